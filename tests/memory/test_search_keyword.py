"""Keyword scoring on SQLite: BM25 computed in Python must give FTS5's own bm25() values."""

import pytest
from sqlalchemy import text

from banshi.memory import index
from banshi.memory import text as textmod
from banshi.store.db import session_scope
from tests.memory.conftest import make_user


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)  # PostgreSQL ranks with ts_rank_cd, not BM25
def test_python_bm25_gives_the_same_scores_as_fts5(store, memory):
    settings = store
    uid, other = make_user(settings, "a"), make_user(settings, "b")
    memory.add([{"role": "user", "content": "We had dumplings and noodles at the night market"},
                {"role": "assistant", "content": "Which noodles did you like best?"},
                {"role": "user", "content": "The hand-pulled noodles, noodles are my favourite food"},
                {"role": "user", "content": "我们在夜市吃了饺子和面条"},
                {"role": "user", "content": "The market closes at midnight on Fridays"}], user_id=uid)
    memory.add([{"role": "user", "content": "noodles again for lunch at the market"}], user_id=other)
    terms = textmod.query_terms("which noodles at the market, 饺子")
    with session_scope(settings) as db:
        expected = dict(db.execute(text(
            f"SELECT d.message_id, bm25(memory_fts, 1.0, {index.CONTEXT_WEIGHT}, 0.0) FROM memory_fts f "
            "JOIN memory_docs d ON d.id = f.rowid WHERE memory_fts MATCH :q AND d.user_id = :u"),
            {"q": index._fts_match(terms), "u": uid}).all())
        got = dict(index._keyword_rows(db, uid, terms, 50))
        assert len(expected) == 5 and set(got) == set(expected)
        for mid, score in expected.items():
            assert got[mid] == pytest.approx(score, rel=1e-9)
        assert index.keyword_search(db, uid, terms) == sorted(expected, key=lambda m: expected[m])
