"""What the question asks for (count, percentage, fraction, unit), the hint and checks that follow
from it, and the one repair round when a program fails. The model is faked; the sandbox is real."""

from __future__ import annotations

import pytest

from banshi.models.fake import FunctionBackend
from banshi.skills import answers
from banshi.skills.homework import asked, solve, write_and_run


def _code(body: str) -> str:
    return f"```python\ndef solution():\n    return {body}\n```"


@pytest.mark.parametrize(
    "problem,kind",
    [
        ("一共有28个学生，每辆车坐6人，至少需要几辆车？", "count"),
        ("How many apples does Tom have left?", "count"),
        ("How many hours did she work?", "unit"),
        ("实际比计划多生产百分之几？", "percent"),
        ("What percentage of the class are girls?", "percent"),
        ("种松树的地占整个绿化带的几分之几？", "fraction"),
        ("菜地的面积是多少公顷？", "unit"),
        ("3 + 4 = ?", ""),
    ],
)
def test_what_the_question_asks_for(problem, kind):
    want = asked(problem)
    got = [k for k in ("count", "percent", "fraction") if getattr(want, k)] + (["unit"] if want.unit else [])
    assert got == ([kind] if kind else [])


def test_unit_asked_is_named_in_the_request():
    seen: list[str] = []

    def fn(messages, **_):
        seen.append(messages[-1].content)
        return _code("Fraction(50 * 20, 10000)")

    att = write_and_run(FunctionBackend(fn), "一块菜地长50米，宽20米，面积是多少公顷？", "direct", "zh")
    assert att.ok and att.value == "0.1"
    assert "公顷" in seen[0].split("\n")[-1]  # the hint line after the problem


def test_failing_program_is_repaired_once_with_its_error():
    seen: list[list] = []

    def fn(messages, **_):
        seen.append(messages)
        return _code("24 / 0") if len(seen) == 1 else _code("24 // 4")

    att = write_and_run(FunctionBackend(fn), "24 apples shared by 4 children: how many each?", "direct", "en")
    assert att.ok and att.value == "6" and att.repaired
    assert len(seen) == 2
    assert "ZeroDivisionError" in seen[1][-1].content
    assert seen[1][-2].role == "assistant" and "24 / 0" in seen[1][-2].content


def test_repair_is_tried_only_once():
    calls = []
    att = write_and_run(
        FunctionBackend(lambda m, **_: calls.append(1) or _code("undefined_name")), "1+1?", "direct", "en"
    )
    assert not att.ok and att.value is None and "NameError" in att.error
    assert len(calls) == 2


def test_fractional_count_is_sent_back_and_the_whole_number_kept():
    seen: list[str] = []

    def fn(messages, **_):
        seen.append(messages[-1].content)
        return _code("Fraction(27, 4)") if len(seen) == 1 else _code("27 // 4")

    # no word says which way to round: the model is shown its fractional count and decides
    att = write_and_run(FunctionBackend(fn), "27个苹果平均分给4个小朋友，每人分到几个？", "direct", "zh")
    assert att.ok and att.value == "6"
    assert "整数" in seen[1] and "27/4" in seen[1]


@pytest.mark.parametrize(
    "problem, body, answer",
    [
        # 进一法: everything must be carried, a part-load needs one more truck
        ("有18.6吨货物，每辆车运2.5吨，需要几辆车才能运完？", "Fraction(18.6) / Fraction(2.5)", "8"),
        ("一共有28个学生，每辆车坐6人，至少需要几辆车？", "Fraction(28, 6)", "5"),
        ("How many trucks are needed to carry 18.6 tons if each truck carries 2.5 tons?", "18.6 / 2.5", "8"),
        # 去尾法: only whole ones can be bought or rented; 几小时 is a unit, rounded only because 最多 asks
        ("27元钱，每本笔记本4元，最多能买几本？", "Fraction(27, 4)", "6"),
        ("租一条船每小时30元，100元最多租几小时？", "Fraction(100, 30)", "3"),
        ("With $27, how many notebooks can he buy at $4 each?", "27 / 4", "6"),
    ],
)
def test_a_count_is_rounded_the_way_the_question_says_without_a_repair(problem, body, answer):
    calls: list[int] = []
    lang = "en" if problem.isascii() else "zh"
    att = write_and_run(FunctionBackend(lambda m, **_: calls.append(1) or _code(body)), problem, "direct", lang)
    assert att.ok and att.value == answer
    assert len(calls) == 1  # nothing left to repair


def test_rounding_makes_two_programs_agree_before_the_vote():
    replies = iter([_code("Fraction(18.6) / Fraction(2.5)"), _code("math.ceil(18.6 / 2.5)")])
    res = solve(
        FunctionBackend(lambda m, **_: next(replies)),
        "有18.6吨货物，每辆车运2.5吨，至少要几辆车才能运完？",
        explain=False,
    )
    assert res.answer == "8" and res.verified and len(res.attempts) == 2


def test_no_direction_in_the_words_rounds_nothing():
    def run(problem: str, body: str) -> str | None:
        return write_and_run(FunctionBackend(lambda m, **_: _code(body)), problem, "direct", "zh").value

    # a time asked whole by 最多 is rounded; one without 至少 / 最多, or a length, stays as computed
    assert run("租一条船每小时30元，100元最多租几小时？", "Fraction(100, 30)") == "3"
    assert answers.same_answer(run("甲乙合做需要几天完成？", "Fraction(12, 5)"), "2.4")
    assert run("做3件衣服至少需要多少米布？", "7.5") == "7.5"


def test_percentage_asked_is_shown_as_a_percentage_and_agrees_either_way():
    replies = iter([_code("Fraction(50, 500)"), _code("50 * 100 // 500")])
    res = solve(
        FunctionBackend(lambda m, **_: next(replies)), "计划生产500个，实际多生产了50个，超产百分之几？", explain=False
    )
    assert res.answer == "10%" and res.verified
    assert answers.same_answer(res.answer, "10%") and answers.same_answer(res.answer, "0.1")


def test_fraction_asked_is_shown_as_a_fraction():
    att = write_and_run(FunctionBackend(lambda m, **_: _code("2 / 3")), "还剩这本书的几分之几？", "direct", "zh")
    assert att.value == "2/3"


def test_float_in_fraction_is_read_as_the_decimal_written_and_shown_as_one():
    code = _code("Fraction(4.36) - Fraction(1.5, 1)")
    att = write_and_run(
        FunctionBackend(lambda m, **_: code), "一天共运来煤4.36吨，上午运来1.5吨，下午运来多少吨？", "direct", "zh"
    )
    assert att.ok and att.value == "2.86" and not att.repaired


def test_fraction_answer_stays_a_fraction_when_the_problem_uses_fractions():
    backend = FunctionBackend(lambda m, **_: _code("Fraction(1, 20) * 15"))
    att = write_and_run(backend, "一箱香蕉重1/20吨，15箱重多少吨？", "direct", "zh")
    assert att.value == "3/4"


def test_sympy_float_in_fraction_is_accepted():
    code = (
        "```python\ndef solution():\n    x = sp.symbols('x')\n"
        "    return Fraction(sp.solve(sp.Eq(2 * x, 5.0), x)[0])\n```"
    )
    att = write_and_run(FunctionBackend(lambda m, **_: code), "2x = 5.0, x = ?", "equation", "en")
    assert att.ok and att.value == "2.5" and not att.repaired


@pytest.mark.parametrize(
    "problem,body,sent_back",
    [
        ("一束鲜花30元，买5束送一束，每束便宜多少元？", "30 // 5 - 7", True),
        ("早上气温是零下3度，中午升高了2度，中午气温是多少度？", "-3 + 2", False),
    ],
)
def test_negative_answer_is_sent_back_unless_the_problem_has_negatives(problem, body, sent_back):
    seen: list[str] = []

    def fn(messages, **_):
        seen.append(messages[-1].content)
        return _code(body)

    att = write_and_run(FunctionBackend(fn), problem, "direct", "zh")
    # kept after one fix; where nothing can be negative, its size: a subtraction the wrong way round
    assert att.ok and att.value == ("1" if sent_back else "-1")
    assert len(seen) == (2 if sent_back else 1)
    if sent_back:
        assert "负数" in seen[1]


def test_a_subtraction_the_wrong_way_round_agrees_with_the_right_one():
    problem = "一个班有学生56人，每人至少做完一种作业，45人做完数学作业，42人做完语文作业，两种都做完的有多少人？"
    programs = iter([_code("45 + 42 - 56"), _code("56 - (45 + 42)"), _code("56 - (45 + 42)")])
    result = solve(FunctionBackend(lambda m, **_: next(programs, _code("56 - (45 + 42)"))), problem, explain=False)
    assert result.answer == "31" and result.verified


def test_a_copy_of_the_worked_example_is_not_taken_for_an_answer():
    from banshi.skills.homework import _STYLES

    copy = f"```python\n{_STYLES['direct']['zh'][1]}\n```"
    seen: list[list] = []

    def fn(messages, **_):
        seen.append(messages)
        return copy if len(seen) == 1 else _code("120 * 4")

    att = write_and_run(FunctionBackend(fn), "卖出(3/4)后还剩下120千克，这批苹果一共多少千克？", "direct", "zh")
    assert att.ok and att.value == "480" and att.repaired
    # asked again without the worked example it copied: the system prompt and this problem only
    assert [m.role for m in seen[1]] == ["system", "user"] and "120千克" in seen[1][-1].content
    assert not any("菜地" in m.content for m in seen[1])
    # a program that uses none of the problem's numbers is refused too
    other = write_and_run(
        FunctionBackend(lambda m, **_: _code("7 * 9")), "卖出(3/4)后还剩下120千克，一共多少千克？", "direct", "zh"
    )
    assert not other.ok and other.value is None and "numbers" in other.error


def test_a_result_worked_out_in_the_comments_is_not_taken_for_a_copy():
    # the 1.5B model sometimes computes in its comments and returns the number
    worked = (
        "```python\ndef solution():\n    # 已知：锯成3段，表面积增加16平方分米\n"
        "    # 锯了2次，增加4个截面：16 ÷ 4 = 4\n    return 4\n```"
    )
    att = write_and_run(
        FunctionBackend(lambda m, **_: worked),
        "一根3米长的圆柱形木料，锯成3段，表面积增加16平方分米，底面积是多少平方分米？",
        "direct",
        "zh",
    )
    assert att.ok and att.value == "4" and not att.repaired


def test_sympy_names_used_without_their_import_work():
    code = (
        "```python\ndef solution():\n    x = symbols('x')\n    return solve(Eq(Rational(1, 40) * 10 + x, 1), x)[0]\n```"
    )
    backend = FunctionBackend(lambda m, **_: code)
    att = write_and_run(backend, "甲队独做40天完成，做了10天，还剩几分之几？", "direct", "zh")
    assert att.ok and att.value == "3/4" and not att.repaired


def test_a_percentage_written_as_a_decimal_counts_as_the_problem_s_number():
    att = write_and_run(
        FunctionBackend(lambda m, **_: _code("Fraction(3) / Fraction('0.12')")),
        "一条1000米的公路，3天修了12%，修完共需多少天？",
        "direct",
        "zh",
    )
    assert att.ok and att.value == "25" and not att.repaired


def test_equations_without_a_solution_are_sent_back_with_one_equation_advice():
    seen: list[list] = []
    replies = iter(
        [
            "```python\ndef solution():\n    x = sp.symbols('x')\n"
            "    return sp.solve((sp.Eq(6*x + 4, 0), sp.Eq(15 + 7*(x - 3), 0)), x)\n```",
            "```python\ndef solution():\n    x = sp.symbols('x')\n"
            "    return sp.solve(sp.Eq(6*x + 4, 15 + 7*(x - 3)), x)[0]\n```",
        ]
    )

    def fn(messages, **_):
        seen.append(messages)
        return next(replies)

    problem = "每人栽6棵还剩4棵；如果其中3人各栽5棵，其余每人各栽7棵，正好栽完。有多少人？"
    att = write_and_run(FunctionBackend(fn), problem, "equation", "zh")
    assert att.ok and att.value == "10" and att.repaired
    assert "一个方程" in seen[1][-1].content  # not "did not return a number: []"


def test_a_script_ending_in_return_is_run_as_solution():
    script = (
        "```python\nfrom sympy import symbols\n\ntotal = 30 * Fraction(8, 10)\nreturn total / Fraction(6, 10) - 30\n```"
    )
    att = write_and_run(
        FunctionBackend(lambda m, **_: script),
        "每天烧0.8吨，可以烧30天。每天节约0.2吨，可以多烧多少天？",
        "equation",
        "zh",
    )
    assert att.ok and att.value == "10" and not att.repaired
