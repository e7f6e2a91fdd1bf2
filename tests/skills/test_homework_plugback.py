"""The plug-back check: the model writes check(answer), which works forward from a candidate answer
through the problem's story; the sandbox runs it. A failed check contests the voted answer and
lets another reading win only when that one passes. The model is faked; the sandbox is real."""

from __future__ import annotations

from banshi.models.fake import FunctionBackend
from banshi.skills.homework import check_answer, solve

SALE = "一件衣服打八折后卖240元，比原价便宜了多少元？"
# a check that really works forward: the original price is the sale price plus the saving
FORWARD = "```python\ndef check(answer):\n    before = 240 + answer\n    return same(before * 0.8, 240)\n```"


def _code(body: str) -> str:
    return f"```python\ndef solution():\n    return {body}\n```"


def _is_check(messages) -> bool:
    return "check a proposed answer" in messages[0].content


def _model(prose: str, programs, told: str | None = None) -> FunctionBackend:
    """The faked model: FORWARD for a check, ``prose`` for the chain of thought, ``told`` for a
    program asked after an answer failed its check, else the next of ``programs``."""

    def fn(messages, **_):
        if _is_check(messages):
            return FORWARD
        if "老师" in messages[0].content:
            return prose
        if told is not None and "代回题目" in messages[-1].content:
            return told
        return next(programs)

    return FunctionBackend(fn)


def test_a_forward_check_passes_the_right_answer_and_fails_a_misreading():
    backend = FunctionBackend(lambda m, **_: FORWARD)
    right = check_answer(backend, SALE, "60", "zh")
    assert right.verdict == "pass" and right.ok and right.style == "check"
    wrong = check_answer(backend, SALE, "48", "zh")  # 240 × 0.2: the saving read off the sale price
    assert wrong.verdict == "fail" and not wrong.ok and "failed" in wrong.error
    # the candidate is shown to the model; float noise (300 × 0.8) does not fail a right answer
    assert "待检验的答案：60" in backend.calls[0]["messages"][-1].content


def test_a_check_that_proves_nothing_is_unknown():
    def verdict(reply: str, problem: str = SALE) -> str:
        return check_answer(FunctionBackend(lambda m, **_: reply), problem, "60", "zh").verdict

    assert verdict("```python\ndef check(answer):\n    return True\n```") == "unknown"  # answer unused
    # the worked example's numbers, none of the problem's
    copy = "```python\ndef check(answer):\n    return same(3 * answer + 6, 12)\n```"
    assert verdict(copy, "小红有15元，买了4元的本子，还剩多少元？") == "unknown"
    assert verdict("```python\ndef check(answer):\n    return 240 / (answer - 60) > 0\n```") == "unknown"  # error
    assert verdict("I think 60 is right.") == "unknown"
    assert verdict(_code("60")) == "unknown"  # a solution, not a check


def test_percentages_and_fractions_reach_the_check_exactly():
    seen = []
    reply = "```python\ndef check(answer):\n    return answer == Fraction(3, 25) and 25 * 12 > 0\n```"
    pct = check_answer(
        FunctionBackend(lambda m, **_: seen.append(m) or reply), "25个里有3个坏的，坏的占百分之几？", "12%", "zh"
    )
    assert pct.verdict == "pass" and "answer = Fraction(3, 25)" in seen[0][-1].content
    third = "```python\ndef check(answer):\n    return answer * 3 == 1 and 3 * 10 > 0\n```"
    assert check_answer(FunctionBackend(lambda m, **_: third), "1 of 3 parts, 10 cakes?", "1/3", "en").verdict == "pass"


def test_without_check_nothing_is_asked():
    backend = FunctionBackend(lambda m, **_: FORWARD if _is_check(m) else _code("240 * Fraction(2, 10)"))
    res = solve(backend, SALE, explain=False)
    assert res.checks == [] and not any(_is_check(c["messages"]) for c in backend.calls)
    assert res.answer == "48" and res.verified  # the shared misreading, as before


def test_a_shared_misreading_fails_its_check_and_another_reading_that_passes_wins():
    programs = iter([_code("240 * Fraction(2, 10)"), _code("240 * 0.2"), _code("240 / Fraction(8, 10) - 240")])
    prose = "原价 240 ÷ 0.8 = 300（元）\n300 − 240 = 60（元）\n答案：60"
    res = solve(_model(prose, programs), SALE, explain=False, check=True)
    assert [a.style for a in res.attempts] == ["direct", "equation", "steps", "prose"]
    assert [(c.value, c.verdict) for c in res.checks] == [("48", "fail"), ("60", "pass")]
    assert res.answer == "60" and res.verified and "checks out" in res.check


def test_a_right_answer_that_checks_out_is_verified_with_no_more_solutions():
    backend = FunctionBackend(lambda m, **_: FORWARD if _is_check(m) else _code("240 / Fraction(8, 10) - 240"))
    res = solve(backend, SALE, explain=False, check=True)
    assert len(res.attempts) == 2 and [c.verdict for c in res.checks] == ["pass"]
    assert res.answer == "60" and res.verified and "checks out" in res.check and not res.notice


def test_a_failed_check_with_no_reading_that_passes_leaves_the_answer_unverified():
    misread = iter(lambda: _code("240 * Fraction(2, 10)"), None)  # 48, every time
    res = solve(_model("答案：48", misread), SALE, explain=False, check=True)
    # 48 from every solution: nothing else to check; the student is told it is not verified
    assert res.answer == "48" and not res.verified and res.notice
    assert [c.verdict for c in res.checks] == ["fail"] and "failed the check" in res.check


def test_an_unknown_check_changes_nothing():
    backend = FunctionBackend(lambda m, **_: "no idea" if _is_check(m) else _code("240 * Fraction(2, 10)"))
    res = solve(backend, SALE, explain=False, check=True)
    assert res.answer == "48" and res.verified and len(res.attempts) == 2
    assert [c.verdict for c in res.checks] == ["unknown"]


def test_after_a_failed_check_one_program_is_told_so_and_its_answer_is_checked():
    misread = iter(lambda: _code("240 * Fraction(2, 10)"), None)
    told = _code("240 / Fraction(8, 10) - 240")  # asked after "48 does not fit when put back"
    res = solve(_model("答案：48", misread, told), SALE, explain=False, check=True)
    assert [a.value for a in res.attempts] == ["48", "48", "48", "48", "60"]  # the last one was told
    assert [(c.value, c.verdict) for c in res.checks] == [("48", "fail"), ("60", "pass")]
    # one program against four: given, because it is the only answer that fits, but not called verified
    assert res.answer == "60" and not res.verified and res.notice and "checks out" in res.check
