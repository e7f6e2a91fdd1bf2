"""Dense search of a large history: the first pass over a projection of the vectors must find
the same nearest rows as a full scan."""

import numpy as np

from banshi.memory import index
from banshi.store.db import session_scope
from tests.memory.conftest import drain, make_user


def _clustered(rng: np.random.Generator, n: int) -> np.ndarray:
    """Unit vectors shaped like text embeddings: a shared direction, topics, noise."""
    common = rng.normal(size=index.DIM)
    topics = rng.normal(size=(40, index.DIM))
    rows = 3 * common + topics[rng.integers(0, 40, n)] + rng.normal(scale=0.6, size=(n, index.DIM))
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_the_first_pass_finds_the_same_nearest_rows_as_a_full_scan(monkeypatch):
    monkeypatch.setattr(index, "FIRST_PASS_ROWS", 1000)
    monkeypatch.setattr(index, "RESCORED", 150)
    rng = np.random.default_rng(3)
    matrix = _clustered(rng, 3000)
    proj = index._Projection.follow(None, matrix)
    assert proj is not None and proj.reduced.shape == (3000, index.FIRST_PASS_DIM)
    for row in rng.integers(0, 3000, 20):
        q = matrix[row] + rng.normal(scale=0.02, size=index.DIM).astype(np.float32)
        exact, exact_scores = index.nearest(matrix, q, 10)
        fast, fast_scores = index.nearest(matrix, q, 10, proj)
        assert list(fast) == list(exact)
        assert np.allclose(fast_scores, exact_scores)


def test_the_projection_follows_new_rows_and_is_refitted_when_the_matrix_doubles(monkeypatch):
    monkeypatch.setattr(index, "FIRST_PASS_ROWS", 1000)
    matrix = _clustered(np.random.default_rng(4), 2500)
    assert index._Projection.follow(None, matrix[:999]) is None  # small: a full scan is cheap
    proj = index._Projection.follow(None, matrix[:1000])
    grown = index._Projection.follow(proj, matrix[:1500])
    assert grown is not None and grown.basis is proj.basis and len(grown.reduced) == 1500
    assert np.allclose(grown.reduced[1200], (matrix[1200] - proj.mean) @ proj.basis, atol=1e-5)
    refit = index._Projection.follow(grown, matrix[:2000])
    assert refit is not None and refit.fitted == 2000 and refit.basis is not proj.basis


def test_search_through_the_first_pass_finds_by_meaning(store, memory, monkeypatch):
    monkeypatch.setattr(index, "FIRST_PASS_ROWS", 3)
    monkeypatch.setattr(index, "RESCORED", 2)
    uid = make_user(store, "a")
    memory.add([{"role": "user", "content": "I adopted a small grey cat called Pixel"},
                {"role": "user", "content": "The quarterly report is due on Friday"},
                {"role": "user", "content": "Our team won the football match on Sunday"},
                {"role": "user", "content": "The dentist appointment moved to Tuesday"}], user_id=uid)
    drain(memory)
    with session_scope(store) as db:
        assert index.VECTORS.get_projected(db, uid)[2] is not None
        hits = index.search(db, "kitten pet", user_id=uid, limit=2)
        assert "Pixel" in hits[0].content and hits[0].dense_rank == 0


def test_session_directions_follow_new_rows_as_if_computed_at_once():
    rng = np.random.default_rng(5)
    matrix = _clustered(rng, 300)
    convs = [f"c{i // 7}" if i % 5 else f"c{i % 3}" for i in range(300)]  # runs, and rows out of turn
    whole = index.Sessions.follow(None, convs, matrix)
    grown = index.Sessions.follow(index.Sessions.follow(None, convs[:120], matrix[:120]), convs[120:], matrix[120:])
    for conv, n in whole.keys.items():
        expected = matrix[[i for i, c in enumerate(convs) if c == conv]].sum(axis=0)
        assert np.allclose(whole.sums[n], expected, atol=1e-4)
        assert np.allclose(grown.sums[grown.keys[conv]], expected, atol=1e-4)
    assert [whole.keys[c] for c in convs] == list(whole.rows)
    assert np.allclose(np.linalg.norm(whole.unit, axis=1), 1.0, atol=1e-5)


def test_a_turn_of_a_session_about_the_query_ranks_above_a_stray_one(monkeypatch):
    q = np.eye(index.DIM, dtype=np.float32)[0]
    other = np.eye(index.DIM, dtype=np.float32)[1]
    # two turns equally close to the query; the first is in a session otherwise about it
    turn = (0.6 * q + 0.8 * other).astype(np.float32)
    matrix = np.stack([turn, q, q, turn, other, other])
    sessions = index.Sessions.follow(None, ["a", "a", "a", "b", "b", "b"], matrix)
    top, scores = index.nearest(matrix[[0, 3]], q, 2, bonus=sessions.bonus(q)[[0, 3]])
    assert list(top) == [0, 1] and np.allclose(scores, [0.6, 0.6])
    monkeypatch.setattr(index, "SESSION_WEIGHT", 0.0)
    assert np.allclose(sessions.bonus(q), 0.0)
