"""Self-consistency over several solutions: the plan of styles, the prose chain of thought as one
more voter, the majority rule, the time budget, and the school-arithmetic facts added to the
request. The model is faked; the sandbox is real."""

from __future__ import annotations

from itertools import count
from types import SimpleNamespace

from banshi.models.fake import FunctionBackend
from banshi.skills.homework import _prepare, knowledge, reason_in_prose, solve, write_and_run
from banshi.skills.sandbox import run_python

_written = count()


def _code(body: str) -> str:
    """A program returning ``body``; each one written differently (two copies of one program
    are one solution, not two)."""
    n = next(_written)
    return f"```python\ndef solution():\n    step{n} = {body}\n    return step{n}\n```"


def test_prose_answer_line_is_read_and_checked():
    zh = reason_in_prose(
        FunctionBackend(lambda m, **_: "240÷0.8=300（元）\n300-240=60（元）\n答案：60元"),
        "一件衣服打八折后卖240元，便宜了多少元？",
        "zh",
    )
    assert zh.ok and zh.value == "60" and zh.style == "prose"
    en = reason_in_prose(FunctionBackend(lambda m, **_: "3/4 of 20 = 15\nAnswer:\n15 apples"), "How many apples?", "en")
    assert en.ok and en.value == "15"
    # no answer line, or an answer the question rules out (a fractional count), is not a vote
    assert not reason_in_prose(FunctionBackend(lambda m, **_: "I am not sure."), "How many apples?", "en").ok
    half = reason_in_prose(FunctionBackend(lambda m, **_: "Answer: 6.75"), "How many notebooks are in the box?", "en")
    assert not half.ok and "whole" in half.error
    # ... unless the words say how to round it (去尾法: only whole notebooks can be bought)
    bought = reason_in_prose(FunctionBackend(lambda m, **_: "Answer: 6.75"), "How many notebooks can he buy?", "en")
    assert bought.ok and bought.value == "6"


def test_disagreeing_programs_go_on_to_prose_and_a_majority_verifies():
    seen: list[str] = []

    def fn(messages, **_):
        prose = "teacher" in messages[0].content
        seen.append("prose" if prose else "code")
        if prose:
            return "5 + 7 = 12\nAnswer: 12"
        return [_code("5 + 7"), _code("5 * 7"), _code("7 - 5")][len(seen) - 1] if len(seen) <= 3 else _code("9")

    res = solve(FunctionBackend(fn), "Tom has 5 apples and gets 7 more. How many apples now?", explain=False)
    assert [a.style for a in res.attempts] == ["direct", "equation", "steps", "prose"]
    assert res.answer == "12" and res.verified and "2 of 4" in res.check


def test_a_tie_is_not_verified_and_more_solutions_are_tried():
    values = iter(["12", "13", "12", "13", "14", "15"])
    seen = []

    def fn(messages, **_):
        seen.append(1)
        value = next(values)
        return f"Answer: {value}" if "teacher" in messages[0].content else _code(value)

    res = solve(FunctionBackend(fn), "What is x?", explain=False)
    # after 12, 13, 12 the vote stops at a 2-1 majority
    assert len(res.attempts) == 3 and res.verified and res.answer == "12"
    values2 = iter(["12", "13", "14", "15", "16", "17", "18"])
    res2 = solve(
        FunctionBackend(
            lambda m, **_: f"Answer: {next(values2)}" if "teacher" in m[0].content else _code(next(values2))
        ),
        "What is x?",
        explain=False,
    )
    # six different answers: the plan ends (six solutions by default) with no answer backed by two
    assert len(res2.attempts) == 6 and not res2.verified and res2.notice


def test_no_new_solution_starts_after_the_budget(monkeypatch):
    import banshi.skills.homework as hw

    clock = iter(range(0, 10_000, 100))  # every reading of the skill's clock is 100 s later
    monkeypatch.setattr(hw, "time", SimpleNamespace(monotonic=lambda: next(clock)))
    values = iter(["1", "2", "3", "4"])
    res = solve(FunctionBackend(lambda m, **_: _code(next(values))), "What is x?", explain=False, budget_s=45)
    # the first tie-breaker always runs; nothing after it once the budget is spent
    assert len(res.attempts) == 3 and not res.verified


def test_school_facts_are_added_when_the_words_call_for_them():
    seen: list[str] = []

    def fn(messages, **_):
        seen.append(messages[-1].content)
        return _code("Fraction(153) / Fraction('0.85') - 153")

    att = write_and_run(FunctionBackend(fn), "一辆自行车打0.85后售价153元，便宜了多少元？", "steps", "zh")
    assert att.ok and att.value == "27"
    assert "打八折" in seen[0] and "提示" in seen[0]
    assert any("both ends" in k for k in knowledge("Trees at both ends of a 100 m road, every 5 m.", "en"))
    assert any("n−1" in k for k in knowledge("从1楼走到6楼要走多少级台阶？", "zh"))
    assert knowledge("小明今年8岁，妈妈比他大26岁，妈妈几岁？", "zh") == []
    assert knowledge("Tom has 5 apples.", "en") == []


def test_math_functions_used_bare_are_imported():
    run = run_python(_prepare("def solution():\n    return ceil(Fraction(28, 6)) + floor(2.5)"))
    assert run.ok and run.value == "7"


def test_a_boxed_answer_in_the_reasoning_is_read():
    text = "第三天前有 120 × 2 = 240 千克 …… 所以这批苹果一共 \\(\\boxed{480}\\) 千克。"
    att = reason_in_prose(FunctionBackend(lambda m, **_: text), "还剩下120千克，这批苹果一共多少千克？", "zh")
    assert att.ok and att.value == "480"
    frac = reason_in_prose(FunctionBackend(lambda m, **_: "答案：\\boxed{\\frac{3}{4}}"), "还剩几分之几？", "zh")
    assert frac.ok and frac.value == "3/4"


def test_the_worked_example_with_an_import_added_is_still_a_copy():
    from banshi.skills.homework import _STYLES

    copy = "```python\nfrom fractions import Fraction\n\n" + _STYLES["direct"]["zh"][1] + "\n```"
    att = write_and_run(FunctionBackend(lambda m, **_: copy), "还剩下120千克，这批苹果一共多少千克？", "direct", "zh")
    assert not att.ok and "worked example" in att.error


def test_after_the_budget_solutions_go_on_while_none_has_an_answer(monkeypatch):
    import banshi.skills.homework as hw

    clock = iter(range(0, 10_000, 100))  # the budget is spent from the start
    monkeypatch.setattr(hw, "time", SimpleNamespace(monotonic=lambda: next(clock)))
    replies = iter([_code("undefined_name")] * 6 + ["3 + 4 = 7\nAnswer: 7", _code("8")])
    res = solve(FunctionBackend(lambda m, **_: next(replies)), "What is x?", explain=False, budget_s=45)
    # three programs (each repaired once) fail; the prose still runs and its answer is given, unverified
    assert [a.style for a in res.attempts] == ["direct", "equation", "steps", "prose"]
    assert res.answer == "7" and not res.verified


def test_two_copies_of_one_program_are_one_solution():
    """Two styles shown the same worked example may write the same program word for word: that
    checks nothing, so a third, different program decides."""
    same = "```python\ndef solution():\n    return Fraction(380 * 16, 10 * (116 + 380))\n```"
    replies = iter([same, same, "```python\ndef solution():\n    return (380 - 116 * 1.6) / 1.6\n```", "Answer: 121.5"])
    res = solve(FunctionBackend(lambda m, **_: next(replies)), "A and B are 380 km apart ...", explain=False)
    assert res.answer == "121.5" and res.verified and len(res.attempts) == 4
