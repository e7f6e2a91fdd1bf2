"""Program-of-thought solving with a backend that returns code (the model's edge is faked; the
sandbox, the checking and the answer handling are real)."""

from __future__ import annotations

import pytest

from banshi.errors import InvalidInput
from banshi.messages import Message
from banshi.models.fake import FunctionBackend
from banshi.skills import answers
from banshi.skills.homework import solve, solve_stream

DIRECT = "```python\ndef solution():\n    return Fraction(24, 4)\n```"
EQUATION = "```python\ndef solution():\n    x = sp.symbols('x')\n    return sp.solve(sp.Eq(4*x, 24), x)[0]\n```"


def _role(messages: list[Message]) -> str:
    system = messages[0].content
    if "tutor" in system:
        return "explain"
    return "equation" if "sympy" in messages[-1].content else "direct"


def test_two_independent_programs_agree_and_explanation_follows():
    seen: list[str] = []

    def fn(messages, **_):
        role = _role(messages)
        seen.append(role)
        if role == "explain":
            assert "Answer: 6" in messages[-1].content
            return "1. 24 ÷ 4 = 6\n答案：6 元"
        return DIRECT if role == "direct" else EQUATION

    backend = FunctionBackend(fn)
    res = solve(backend, "4个苹果一共24元，每个苹果多少元？")
    assert res.answer == "6" and res.verified
    assert res.language == "zh" and res.notice == ""
    assert seen == ["direct", "equation", "explain"]
    assert "24 ÷ 4" in res.explanation
    # the worked example shown to the model is in the problem's language, and differs between styles
    shots = [call["messages"][1].content for call in backend.calls[:2]]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in s) for s in shots) and shots[0] != shots[1]


def test_disagreement_gets_a_tie_breaker_and_majority_is_verified():
    wrong, other = ("```python\ndef solution():\n    return " + body + "\n```" for body in ("24 // 4 - 1", "24 / 4"))
    replies = iter([DIRECT, wrong, other])
    backend = FunctionBackend(lambda m, **_: next(replies))
    res = solve(backend, "24 apples shared by 4 children: how many each?", explain=False)
    assert len(res.attempts) == 3
    assert res.answer == "6" and res.verified
    assert "2 of 3" in res.check


def test_unverified_answer_is_said_plainly():
    replies = iter(
        [
            "```python\ndef solution():\n    return 7\n```",
            "```python\ndef solution():\n    return 8\n```",
            "```python\ndef solution():\n    return 9\n```",
            "I think the answer is 7.",
        ]
    )
    res = solve(FunctionBackend(lambda m, **_: next(replies)), "What is x?", samples=3)
    assert not res.verified
    assert res.answer == "7"
    assert "could not verify" in res.notice
    assert res.explanation == "I think the answer is 7."


def test_failing_programs_are_reported_not_crashing():
    code = "```python\ndef solution():\n    return 1/0\n```"
    res = solve(FunctionBackend(lambda m, **_: code), "一道题", explain=True, budget_s=None)
    assert res.answer is None and not res.verified
    assert "没能算出" in res.notice
    assert all("ZeroDivisionError" in a.error for a in res.attempts if a.style != "prose")
    assert [a.style for a in res.attempts] == ["direct", "equation", "steps", "prose", "direct", "steps"]
    assert res.explanation == ""


def test_model_code_cannot_escape_through_the_skill(tmp_path):
    target = tmp_path / "pwned"
    code = f"```python\ndef solution():\n    open({str(target)!r}, 'w').write('x')\n    return 1\n```"
    res = solve(FunctionBackend(lambda m, **_: code), "1+0=?", explain=False, samples=3)
    assert not target.exists()
    assert res.answer is None


def test_stream_reports_stages_and_explanation_deltas():
    programs = iter(["3 + 4", "4 + 3"])

    def fn(messages, **_):
        return (
            "Step 1: 3 + 4 = 7. Answer: 7"
            if _role(messages) == "explain"
            else f"```python\ndef solution():\n    return {next(programs)}\n```"
        )

    events = list(solve_stream(FunctionBackend(fn), "What is 3 + 4?"))
    stages = [e["stage"] for e in events if e["type"] == "stage"]
    assert stages == ["solving", "explaining"]
    deltas = "".join(e["text"] for e in events if e["type"] == "delta")
    assert deltas.strip() == "Step 1: 3 + 4 = 7. Answer: 7"
    assert events[-1]["type"] == "result" and events[-1]["result"]["answer"] == "7"


def test_empty_or_huge_problem_is_refused():
    backend = FunctionBackend(lambda m, **_: DIRECT)
    with pytest.raises(InvalidInput):
        solve(backend, "   ")
    with pytest.raises(InvalidInput):
        solve(backend, "x" * 10_000)


@pytest.mark.parametrize(
    "a,b,same",
    [
        ("1.6", "((8)/(5))", True),
        ("857.142857", "857((1)/(7))", True),
        ("0.1", "10%", True),
        ("10", "10%", True),
        ("1080", "1,080", True),
        ("3.33", "3.3333333", True),
        ("3.3", "3.33", False),
        ("1/3", "2/6", True),
        ("[4]", "4", True),
        ("7", "8", False),
        (None, "1", False),
        ("abc", "1", False),
    ],
)
def test_answers_compare(a, b, same):
    assert answers.same_answer(a, b) is same


def test_photo_goes_through_ocr(settings):
    pytest.importorskip("rapidocr_onnxruntime")
    from bench.math import render_photo

    photo = render_photo("小明有15个苹果，吃了3个。还剩几个？", seed=2)
    seen: list[str] = []

    def fn(messages, **_):
        seen.append(messages[-1].content)
        return "```python\ndef solution():\n    return " + ("15 - 3" if len(seen) == 1 else "-3 + 15") + "\n```"

    res = solve(FunctionBackend(fn), image=photo, explain=False, settings=settings)
    assert res.source == "photo" and res.answer == "12" and res.verified
    assert "15" in res.problem and "3" in res.problem and "苹果" in res.problem
    assert "苹果" in seen[0]  # the model was given the text read from the photo
    assert res.ocr_confidence is not None and res.ocr_confidence > 0.5


def test_photo_text_is_read_into_digits_like_typed_text(monkeypatch):
    import banshi.skills.homework as hw

    photo_text = "从一楼走到五楼要走80级台阶，走到九楼呢？"
    monkeypatch.setattr(hw, "read_photo", lambda image, settings=None: (photo_text, 0.95))
    seen: list[str] = []

    def fn(messages, **_):
        seen.append(messages[-1].content)
        return "```python\ndef solution():\n    return 80 // 4 * 8\n```"

    res = solve(FunctionBackend(fn), image=b"a photo", explain=False)
    assert res.source == "photo" and res.answer == "160"
    assert "从1楼走到5楼" in seen[0] and "9楼" in seen[0]  # the same reading as a typed problem gets
