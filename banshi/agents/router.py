"""The fast router: from a request to a few candidate labels (tools, services, intents) in
milliseconds, with no model call, and "none fits" when the request is out of scope.

A linear one-vs-rest SVM over two kinds of features joined side by side:

- character n-grams (1-4, within word boundaries) weighted by TF-IDF: they need no tokenizer,
  so Chinese and English work alike, and they catch names and key words;
- the multilingual-e5-small sentence embedding (``banshi.models.embeddings``): it carries
  meaning across paraphrases and languages.

Out of scope: a request is rejected when a trained ``oos`` class beats every real label, or
when the best label's margin is below ``threshold`` — and, once tuned on data with no
out-of-scope examples, only when the ``NoveltyGate`` also finds it unusual: its margin and its
e5 cosine similarity to the nearest in-scope training example, each standardised, sum to less
than the gate's cut. A low margin alone is often a request between two close labels, not one
that fits none, and a low similarity alone is often a short request (a bare name).

``fit`` tunes these on held-out parts of the training data, never on anything else: one 20 %
split when that holds out at least 2,000 requests, else k-fold cross-validation (up to 5
folds), and no tuning at all with fewer than ``1 / budget`` in-scope requests to hold out
(then the fixed ``default_threshold``, as for a router trained on a few example utterances
per tool). The budget is the share of held-out requests the router got right that the rule
may reject. Out-of-scope examples, when given, become a class of their own; the budget is then
``reject_rate`` (0.5 %), and the held-out ones lower the margin threshold to just what it
takes to catch those that the budget catches (no gate). With none, nothing measures what a
rejection buys, so the budget is the smaller ``novel_rate`` (0.2 %), and the gate's cut is that
quantile of the held-out requests routed right (see ``NoveltyGate``). A request
wrongly sent to plain chat costs the user more than a chat message the model is offered a few
tools for and declines (the dispatcher's second stage).

With ``grid`` (e.g. ``GRID``; off by default), the same held-out parts first choose two
hyper-parameters: the weight of the e5 vector beside the n-grams and whether classes are
weighted by their inverse frequency ("balanced": a label with a handful of examples is not
drowned by the big ones). Each candidate is trained on every fold and the best closed-set
held-out accuracy wins (ties go to the first). Folds with more than ``GRID_MAX_TRAIN``
training requests compare the candidates on a stratified sample of that size. Off by
default: on SMP2019 it chose a weight of 4 (held-out 0.937 vs 0.932) with no gain on the
validation split, and it multiplies the training time by the number of candidates.

A trained router saves to one ``.npz`` file (arrays and JSON only, no pickle) and loads back.
"""

from __future__ import annotations

import json
import math
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from banshi.errors import InvalidInput, MissingDependency

OOS = "oos"
FORMAT = "banshi-router/1"
MIN_HELD = 20  # held-out in-scope requests needed in all to tune the threshold (at least)
TUNE_HELD = 2000  # held-out requests wanted in all for tuning (cross-validation below that)
MAX_FOLDS = 5
#: the candidates fit() compares on held-out folds: (e5 weight, class weighting)
GRID: tuple[tuple[float, str | None], ...] = tuple((w, c) for c in (None, "balanced") for w in (2.0, 3.0, 4.0))
GRID_MAX_TRAIN = 4000  # a fold's training part above this: candidates compared on a sample


@dataclass(frozen=True)
class NoveltyGate:
    """Out of scope when nothing marks a request as such: how unusual it is, as the sum of its
    margin and its nearest-example similarity, each standardised on the held-out requests
    routed right (``z = (margin - m) / sm + (sim - s) / ss``), below ``cut`` (the budget's
    quantile of that sum). One score for both, rather than a cut on each: a short request
    with a fair margin passes, one low on both does not. On two sets of 60 CLINC150 intents
    trained without their out-of-scope examples it caught 0.73 and 0.68 of those (200 each)
    against 0.655 and 0.565 for "margin and similarity each below the same quantile", with
    in-scope accuracy 0.973 / 0.975 against 0.973 / 0.977 (docs/benchmarks.md, router)."""

    margin_mean: float
    margin_std: float
    sim_mean: float
    sim_std: float
    cut: float

    @classmethod
    def tuned(cls, margins: np.ndarray, sims: np.ndarray, rate: float) -> NoveltyGate:
        """The gate for held-out requests routed right (``margins``, ``sims``) that rejects
        ``rate`` of them."""
        gate = cls(float(margins.mean()), float(margins.std()) or 1.0, float(sims.mean()), float(sims.std()) or 1.0, 0)
        return cls(*astuple(gate)[:4], cut=float(np.quantile(gate.score(margins, sims), rate)))

    def score(self, margins: np.ndarray, sims: np.ndarray) -> np.ndarray:
        return (margins - self.margin_mean) / self.margin_std + (sims - self.sim_mean) / self.sim_std

    def margin_bound(self) -> float:
        """The margin at or above which no similarity (a cosine, at least -1) brings the score
        below the cut: far above any real margin, so the gate looks at every request."""
        return self.margin_mean + self.margin_std * (self.cut - (-1 - self.sim_mean) / self.sim_std)


class TextEmbedder(Protocol):
    def embed(self, texts: list[str], kind: Any = "passage") -> np.ndarray: ...


@dataclass(frozen=True)
class Intent:
    """One label to route to: a tool or service with what it does and how users ask for it."""

    name: str
    description: str = ""
    examples: Sequence[str] = field(default_factory=tuple)


def _sklearn() -> Any:
    try:
        import sklearn.feature_extraction.text as text
        import sklearn.svm as svm
    except ImportError as e:  # pragma: no cover - a base dependency
        raise MissingDependency("scikit-learn", "all") from e
    return text, svm


class Router:
    """Train with :meth:`fit` (labelled texts) or :meth:`fit_intents` (descriptions and
    examples), then :meth:`predict` a request to at most ``k`` ``(label, score)`` pairs, best
    first, or ``[]`` when nothing fits. Scores are SVM margins: above 0 the label's classifier
    says "mine"; anything at or above ``threshold`` is in scope."""

    def __init__(
        self,
        embedder: TextEmbedder | None = None,
        *,
        use_embeddings: bool = True,
        embed_weight: float = 2.0,
        C: float = 0.5,
        class_weight: str | None = None,
        grid: Sequence[tuple[float, str | None]] | None = None,
        reject_rate: float = 0.005,
        novel_rate: float = 0.002,
        holdout: float = 0.2,
        default_threshold: float = -0.35,
        oos_label: str = OOS,
        seed: int = 0,
    ) -> None:
        if not 0 <= reject_rate < 1 or not 0 <= novel_rate < 1 or not 0 < holdout < 1:
            raise InvalidInput("reject_rate and novel_rate must be in [0, 1) and holdout in (0, 1)")
        self._embedder = embedder
        self.use_embeddings = use_embeddings
        self.embed_weight = embed_weight
        self.C = C
        self.class_weight = class_weight
        # (embed_weight, class_weight) candidates; the defaults above unless held-out data choose
        self.grid = list(grid) if grid else []
        self.selection: dict[str, float] = {}  # candidate -> held-out closed-set accuracy
        self.reject_rate = reject_rate
        self.novel_rate = novel_rate
        self.holdout = holdout
        self.default_threshold = default_threshold
        self.oos_label = oos_label
        self.seed = seed
        self.threshold = default_threshold
        # the novelty gate: a margin below ``threshold`` rejects only when the gate, which also
        # weighs the similarity to the nearest in-scope training example, says so (None: no gate)
        self.gate: NoveltyGate | None = None
        # a label after the best is offered when its own score reaches this (the margin-only
        # threshold the budget gives, below ``threshold`` when the gate is on)
        self.second_threshold = default_threshold
        self.tuned = False  # whether ``threshold`` came from held-out data
        self._known: np.ndarray | None = None  # (in-scope training examples, dim), for the gate
        self.classes: list[str] = []
        self._vectorizer: Any = None
        # weights held as (features, classes), C-contiguous: a sparse row times them needs no
        # copy (the (classes, features) layout, as saved, made scipy copy it on every call)
        self._w_text: np.ndarray | None = None  # (n-gram features, classes)
        self._w_emb: np.ndarray | None = None  # (embedding dim, classes), already weighted
        self._bias: np.ndarray | None = None

    # -- training ------------------------------------------------------------------------------
    @property
    def embedder(self) -> TextEmbedder:
        if self._embedder is None:
            from banshi.models.embeddings import get_embedder

            self._embedder = get_embedder()
        return self._embedder

    @property
    def labels(self) -> list[str]:
        """The in-scope labels the router can answer with."""
        return [c for c in self.classes if c != self.oos_label]

    def fit(self, texts: Sequence[str], labels: Sequence[str], *, tune: bool = True) -> Router:
        """Learn from labelled texts (label ``oos_label`` marks out-of-scope examples). With
        ``tune``, first train on part of the data to set the threshold on the rest."""
        texts, labels = list(texts), list(labels)
        if len(texts) != len(labels):
            raise InvalidInput("texts and labels differ in length")
        if len({lb for lb in labels if lb != self.oos_label}) < 1:
            raise InvalidInput("the router needs at least one in-scope label")
        emb = self._embed(texts)
        self.threshold, self.gate, self.tuned = self.default_threshold, None, False
        self.second_threshold = self.default_threshold
        folds = self._folds(labels) if tune else []
        if folds:
            self._select(texts, labels, emb, folds)
            held_labels: list[str] = []
            decs: list[np.ndarray] = []
            sims: list[np.ndarray] = []
            for train, held in folds:
                self._train([texts[i] for i in train], [labels[i] for i in train], None if emb is None else emb[train])
                held_labels += [labels[i] for i in held]
                decs.append(self._decision([texts[i] for i in held], None if emb is None else emb[held])[0])
                if emb is not None:
                    sims.append(self._nearest(emb[held]))
            self.threshold, self.gate, self.second_threshold = self._tune(
                held_labels, np.vstack(decs), np.concatenate(sims) if sims else None
            )
            self.tuned = True
        self._train(texts, labels, emb)
        return self

    def _select(
        self, texts: list[str], labels: list[str], emb: np.ndarray | None, folds: list[tuple[np.ndarray, np.ndarray]]
    ) -> None:
        """Set ``embed_weight`` and ``class_weight`` to the ``grid`` candidate with the best
        closed-set accuracy on the held-out folds (the first candidate on a tie)."""
        grid = [(w, c) for w, c in self.grid if emb is not None or w == self.grid[0][0]]
        if len(grid) < 2:
            return
        rng = np.random.default_rng(self.seed)
        right = np.zeros(len(grid))
        total = 0
        for train, held in folds:
            if len(train) > GRID_MAX_TRAIN:  # stratified: the same share of every label
                y = np.array(labels)[train]
                keep = np.zeros(len(train), dtype=bool)
                for lb in np.unique(y):
                    idx = np.flatnonzero(y == lb)
                    n = max(1, round(len(idx) * GRID_MAX_TRAIN / len(train)))
                    keep[rng.choice(idx, min(n, len(idx)), replace=False)] = True
                train = train[keep]
            gold = np.array([labels[i] for i in held])
            total += len(held)
            for j, (w, c) in enumerate(grid):
                self.embed_weight, self.class_weight = w, c
                self._train([texts[i] for i in train], [labels[i] for i in train], None if emb is None else emb[train])
                dec = self._decision([texts[i] for i in held], None if emb is None else emb[held])[0]
                right[j] += (np.array(self.classes)[dec.argmax(axis=1)] == gold).sum()
        best = int(np.argmax(right))  # the first of equals
        self.embed_weight, self.class_weight = grid[best]
        self.selection = {
            f"{w:g}/{c or 'none'}": round(float(r / total), 4) for (w, c), r in zip(grid, right, strict=True)
        }

    def fit_intents(
        self, intents: Iterable[Intent], texts: Sequence[str] = (), labels: Sequence[str] = (), *, tune: bool = True
    ) -> Router:
        """Learn from each intent's description and examples, plus any extra labelled texts
        (e.g. out-of-scope chat labelled ``oos_label``)."""
        all_texts, all_labels = list(texts), list(labels)
        for it in intents:
            for t in ([it.description] if it.description.strip() else []) + [e for e in it.examples if e.strip()]:
                all_texts.append(t)
                all_labels.append(it.name)
        return self.fit(all_texts, all_labels, tune=tune)

    def _embed(self, texts: list[str]) -> np.ndarray | None:
        if not self.use_embeddings:
            return None
        # "query" on both sides: intent examples and requests are the same kind of text
        return np.asarray(self.embedder.embed(texts, "query"), dtype=np.float32)

    def _folds(self, labels: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Stratified (train, held-out) splits for tuning: one holding out ``holdout`` of the
        data when that is at least ``TUNE_HELD`` requests, else k-fold cross-validation with
        as many folds (up to ``MAX_FOLDS``) as it takes to hold out that many in all, so the
        small quantile the budget asks for rests on enough requests. Labels too rare to spare
        an example stay whole in training. ``[]`` when too little would be held out: fewer
        than ``1 / budget`` in-scope requests (or ``MIN_HELD``)."""
        by: dict[str, list[int]] = defaultdict(list)
        for i, lb in enumerate(labels):
            by[lb].append(i)
        rng = random.Random(self.seed)
        order = {}
        for lb in sorted(by):
            idx = by[lb][:]
            rng.shuffle(idx)
            order[lb] = idx
        k = min(MAX_FOLDS, max(1, math.ceil(TUNE_HELD / max(1.0, len(labels) * self.holdout))))
        folds = []
        in_held = 0
        for f in range(k):
            train: list[int] = []
            held: list[int] = []
            for j, idx in enumerate(order.values()):
                if k == 1:
                    part, rest = idx[: round(len(idx) * self.holdout)], idx[round(len(idx) * self.holdout) :]
                else:  # every k-th, shifted per label so that rare labels spread over the folds
                    r = (f + j) % k
                    part, rest = idx[r::k], [i for m, i in enumerate(idx) if m % k != r]
                if len(rest) < 2:
                    part, rest = [], idx
                held += part
                train += rest
            in_held += sum(1 for i in held if labels[i] != self.oos_label)
            if not held or len({labels[i] for i in train if labels[i] != self.oos_label}) < 2:
                return []
            folds.append((np.array(sorted(train)), np.array(sorted(held))))
        # a quantile at the budget needs about 1 / budget requests below it to mean anything
        rate = self._rate(labels)
        need = max(MIN_HELD, math.ceil(1 / rate) if rate > 0 else 0)
        return folds if in_held >= need else []

    def _train(self, texts: list[str], labels: list[str], emb: np.ndarray | None) -> None:
        from scipy.sparse import csr_matrix, hstack

        text_mod, svm = _sklearn()
        self._vectorizer = text_mod.TfidfVectorizer(
            analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, dtype=np.float32
        )
        x = self._vectorizer.fit_transform(texts)
        n_text = x.shape[1]
        if emb is not None:
            x = hstack([x, csr_matrix(emb * self.embed_weight)]).tocsr()
        y = np.array(labels)
        classes = sorted(set(labels))
        if len(classes) == 1:  # one label: train it against an empty "nothing" class
            coef = np.zeros((1, x.shape[1]), dtype=np.float32)
            bias = np.ones(1, dtype=np.float32)
        else:
            clf = svm.LinearSVC(C=self.C, class_weight=self.class_weight, random_state=self.seed).fit(x, y)
            coef = np.asarray(clf.coef_, dtype=np.float32)
            bias = np.asarray(clf.intercept_, dtype=np.float32)
            classes = [str(c) for c in clf.classes_]
            if len(classes) == 2:  # sklearn keeps one row for two classes: make it one-vs-rest
                coef = np.vstack([-coef, coef])
                bias = np.concatenate([-bias, bias])
        self.classes = classes
        self._w_text = np.ascontiguousarray(coef[:, :n_text].T)
        self._w_emb = np.ascontiguousarray((coef[:, n_text:] * self.embed_weight).T) if emb is not None else None
        self._bias = bias
        self._known = None if emb is None else np.ascontiguousarray(emb[y != self.oos_label])

    def _nearest(self, emb: np.ndarray) -> np.ndarray:
        """Per row of ``emb``: the cosine similarity of the nearest in-scope training example."""
        if self._known is None or not len(self._known):
            return np.full(len(emb), -1.0, dtype=np.float32)
        return np.asarray(self._known @ emb.T).max(axis=0)

    def _rate(self, labels: Sequence[str]) -> float:
        """The budget: ``reject_rate`` when out-of-scope examples show what a rejection buys,
        else the smaller ``novel_rate``."""
        return self.reject_rate if self.oos_label in labels else self.novel_rate

    def _tune(
        self, labels: list[str], dec: np.ndarray, sim: np.ndarray | None
    ) -> tuple[float, NoveltyGate | None, float]:
        """The margin threshold, the novelty gate and the threshold for labels after the best,
        from held-out requests: their scores ``dec`` and nearest-example similarities ``sim``."""
        best, top, oos_wins = self._best(dec)
        y = np.array(labels)
        right = (y != self.oos_label) & (best == y) & ~oos_wins
        if not right.any():
            return self.default_threshold, None, self.default_threshold
        # the budget: reject about this share of the requests routed right
        rate = self._rate(labels)
        budget = float(np.quantile(top[right], rate)) if rate > 0 else float(top.min()) - 1
        if (y == self.oos_label).any():
            caught = (y == self.oos_label) & ~oos_wins & (top < budget)
            if not caught.any():
                return budget, None, budget
            # with out-of-scope examples: the lowest threshold that still catches the ones the
            # budget catches, halfway to the next request routed right, so in-scope ones lose less
            highest = float(top[caught].max())
            above = top[right & (top > highest)]
            t = (highest + float(above.min())) / 2 if len(above) else budget
            return t, None, t
        if sim is None or rate <= 0:
            return budget, None, budget
        # none: nothing tells what a rejection buys, so reject only what is unusual taking margin
        # and similarity together, the budget's share of the requests routed right
        gate = NoveltyGate.tuned(top[right], sim[right], rate)
        return gate.margin_bound(), gate, budget

    # -- prediction ----------------------------------------------------------------------------
    def _decision(self, texts: list[str], emb: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """Every class's score for each text, and the texts' embeddings (None without)."""
        if self._vectorizer is None or self._bias is None or self._w_text is None:
            raise InvalidInput("the router is not trained")
        x = self._vectorizer.transform(texts)
        dec = np.asarray(x @ self._w_text) + self._bias
        if self._w_emb is not None:
            if emb is None:
                emb = self._embed(texts)
            dec += emb @ self._w_emb
        return dec, emb

    def _best(self, dec: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per row: the best in-scope label, its score, and whether the oos class beats it."""
        classes = np.array(self.classes)
        inside = classes != self.oos_label
        in_dec = dec[:, inside]
        arg = in_dec.argmax(axis=1)
        top = in_dec[np.arange(len(dec)), arg]
        oos_wins = dec[:, ~inside].max(axis=1) > top if (~inside).any() else np.zeros(len(dec), bool)
        return classes[inside][arg], top, oos_wins

    def scores(self, texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """The in-scope labels and a ``(len(texts), len(labels))`` matrix of their scores."""
        dec, _ = self._decision(list(texts))
        inside = np.array([c != self.oos_label for c in self.classes])
        return self.labels, dec[:, inside]

    def rank_many(self, texts: Sequence[str], k: int = 3) -> list[list[tuple[str, float]]]:
        """The ``k`` best in-scope labels for each text, with no out-of-scope cut."""
        labels, s = self.scores(texts)
        k = max(1, min(k, len(labels)))
        out = []
        for row in s:
            idx = np.argpartition(-row, k - 1)[:k] if k < len(row) else np.arange(len(row))
            idx = idx[np.argsort(-row[idx])]
            out.append([(labels[i], float(row[i])) for i in idx])
        return out

    def predict_many(self, texts: Sequence[str], k: int = 3) -> list[list[tuple[str, float]]]:
        """For each text: up to ``k`` ``(label, score)`` best first, or ``[]`` if out of scope."""
        texts = list(texts)
        if not texts:
            return []
        dec, emb = self._decision(texts)
        _, top, oos_wins = self._best(dec)
        reject = oos_wins | (top < self.threshold)
        gate = reject & ~oos_wins
        if emb is not None and self._known is not None and self.gate is not None and gate.any():
            # familiar requests pass
            reject[gate] = self.gate.score(top[gate], self._nearest(emb[gate])) < self.gate.cut
        inside = np.array([c != self.oos_label for c in self.classes])
        labels = self.labels
        out: list[list[tuple[str, float]]] = []
        for row, r in zip(dec[:, inside], reject, strict=True):
            if r:
                out.append([])
                continue
            kk = max(1, min(k, len(labels)))
            idx = np.argsort(-row)[:kk]
            # beyond the first, keep only labels that are in scope on their own
            out.append(
                [(labels[i], float(row[i])) for j, i in enumerate(idx) if j == 0 or row[i] >= self.second_threshold]
            )
        return out

    def predict(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        """Up to ``k`` ``(label, score)`` best first; ``[]`` when the request is out of scope."""
        return self.predict_many([text], k)[0]

    def candidates(self, text: str, k: int = 3) -> list[str]:
        """The labels of :meth:`predict` (what the dispatcher asks for)."""
        return [lb for lb, _ in self.predict(text, k)]

    def is_out_of_scope(self, text: str) -> bool:
        return not self.predict(text, 1)

    # -- persistence ---------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the trained router to ``path`` (a ``.npz`` file: arrays and JSON, no pickle)."""
        if self._vectorizer is None or self._w_text is None or self._bias is None:
            raise InvalidInput("the router is not trained")
        path = Path(path)
        vocab = self._vectorizer.vocabulary_
        terms = np.empty(len(vocab), dtype=object)
        for term, i in vocab.items():
            terms[i] = term
        meta = {
            "format": FORMAT,
            "classes": self.classes,
            "threshold": self.threshold,
            "gate": None if self.gate is None else astuple(self.gate),
            "second_threshold": self.second_threshold,
            "tuned": self.tuned,
            "use_embeddings": self._w_emb is not None,
            "embed_weight": self.embed_weight,
            "C": self.C,
            "class_weight": self.class_weight,
            "selection": self.selection,
            "reject_rate": self.reject_rate,
            "novel_rate": self.novel_rate,
            "holdout": self.holdout,
            "default_threshold": self.default_threshold,
            "oos_label": self.oos_label,
            "seed": self.seed,
        }
        arrays: dict[str, np.ndarray] = {
            "meta": np.array(json.dumps(meta)),
            "terms": terms.astype(str),
            "idf": self._vectorizer.idf_,
            "coef_text": self._w_text.T,  # (classes, features)
            "bias": self._bias,
        }
        if self._w_emb is not None:
            arrays["coef_emb"] = self._w_emb.T
        if self._known is not None and self.gate is not None:
            arrays["known"] = self._known.astype(np.float16)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:  # a file object: numpy would otherwise append ".npz"
            np.savez_compressed(f, **arrays)  # type: ignore[arg-type]
        return path

    @classmethod
    def load(cls, path: str | Path, embedder: TextEmbedder | None = None) -> Router:
        text_mod, _ = _sklearn()
        try:
            z = np.load(Path(path), allow_pickle=False)
            meta = json.loads(str(z["meta"]))
        except (OSError, ValueError, KeyError, AttributeError) as e:
            raise InvalidInput(f"{path} is not a saved router: {e}") from e
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise InvalidInput(f"{path} is not a saved router ({FORMAT})")
        with z:
            r = cls(
                embedder,
                use_embeddings=meta["use_embeddings"],
                embed_weight=meta["embed_weight"],
                C=meta["C"],
                class_weight=meta.get("class_weight"),
                reject_rate=meta["reject_rate"],
                novel_rate=meta.get("novel_rate", 0.002),
                holdout=meta["holdout"],
                default_threshold=meta["default_threshold"],
                oos_label=meta["oos_label"],
                seed=meta["seed"],
            )
            r.classes, r.threshold, r.tuned = list(meta["classes"]), float(meta["threshold"]), bool(meta["tuned"])
            r.selection = dict(meta.get("selection") or {})
            r.second_threshold = float(meta.get("second_threshold", r.threshold))
            vec = text_mod.TfidfVectorizer(
                analyzer="char_wb",
                ngram_range=(1, 4),
                sublinear_tf=True,
                dtype=np.float32,
                vocabulary={t: i for i, t in enumerate(z["terms"].tolist())},
            )
            vec.idf_ = z["idf"]
            r._vectorizer = vec
            r._w_text, r._bias = np.ascontiguousarray(z["coef_text"].T), z["bias"]
            r._w_emb = np.ascontiguousarray(z["coef_emb"].T) if "coef_emb" in z.files else None
            if meta.get("gate") is not None and "known" in z.files:
                r.gate = NoveltyGate(*map(float, meta["gate"]))
                r._known = z["known"].astype(np.float32)
        return r
