"""The worked examples the homework solver shows: every program is right, a problem gets the example
of its kind, a problem of no listed kind gets none (the style's fixed example), and the request
and the copy check use the example that was shown."""

from __future__ import annotations

import pytest

from banshi.models.fake import FunctionBackend
from banshi.skills import answers
from banshi.skills.homework import _prepare, write_and_run
from banshi.skills.sandbox import run_python
from banshi.skills.worked_examples import EN, ZH, nearest


@pytest.mark.parametrize("example", ZH + EN, ids=lambda ex: ex.problem[:16])
def test_every_worked_example_returns_its_answer(example):
    run = run_python(_prepare(example.program))
    assert run.ok, run.error
    got, _ = answers.parse_number(run.value)
    want, percent = answers.parse_number(example.answer)
    assert got is not None and answers.close(got, want / 100 if percent else want)


@pytest.mark.parametrize("example", ZH + EN, ids=lambda ex: ex.problem[:16])
def test_each_example_is_found_for_its_own_problem(example):
    assert nearest(example.problem, "en" if example.problem.isascii() else "zh") is example


@pytest.mark.parametrize(
    "problem, shown",
    [
        ("一个圆锥形零件底面半径4厘米，高6厘米，体积是多少立方厘米？", "圆锥形沙堆"),
        (
            "甲乙两列火车从两地同时相对开出，4小时后相遇，甲车每小时行80千米，乙车每小时行70千米，两地相距多少千米？",
            "相对开出",
        ),
        ("学校买了5个篮球，每个45元，付了300元，应找回多少元？", "应找回"),
        ("果园里有桃树120棵，梨树比桃树少1/4，梨树有多少棵？", "乙数比甲数多1/4"),
        ("一条公路长500米，在路的一边每隔10米立一根电线杆，两端都立，一共要立多少根？", "两端都种"),
        ("一件上衣打九折后是180元，原价是多少元？", "打八折"),
        ("A coat is $120 and is on sale for 30% off. What is the sale price?", "25% off"),
        ("路边有一排路灯，小明从第1盏走到第8盏用了14分钟，照这样，从第1盏走到第20盏要几分钟？", "第1棵树跑到第6棵"),
        ("3个苹果和2个梨共重1千克，2个苹果和3个梨共重0.9千克，一个苹果重多少千克？", "笔记本共用了26元"),
        ("一副扑克牌有4种花色，至少抽出几张，才能保证有2张是同一种花色？", "保证一定有两个球"),
    ],
)
def test_a_problem_gets_the_example_of_its_kind(problem, shown):
    example = nearest(problem, "en" if problem.isascii() else "zh")
    assert example is not None and shown in example.problem


@pytest.mark.parametrize(
    "problem",
    [
        "同学们去植树，每行种8棵，种了12行，一共种了多少棵？",  # trees, but no row with ends
        "小红有28颗糖，小明的糖是小红的2倍，两人一共有多少颗？",  # the sum is asked, not given
        "一本故事书有180页，小华每天看15页，看了8天，还剩多少页没看？",
        "甲数是乙数的3倍多5，乙数是20，甲数是多少？",  # 3倍多5: neither a sum nor a difference of multiples
        "园林工人在公路的一边每隔4米栽一棵树，现在要改成每隔6米栽一棵树，不用移栽的树有多少棵？",
        "学雷锋小组上午修了20把椅子，下午修了10把，一天总共修了多少把椅子？",  # 上午/下午, no clock time
        "一个仓库长25米，宽10米，存货高度为3米，这个仓库最多能存放货物多少立方米？",  # 最多 a volume, no count
        "一本书有83000个字，如果每页排25行，每行排24个字，需要多少页？",  # 如果每 without an earlier 每
        "Janet has 3 dogs. Each dog eats 2 cups of food a day. How many cups do they eat in a week?",
    ],
)
def test_a_problem_of_no_listed_kind_gets_no_example(problem):
    assert nearest(problem, "en" if problem.isascii() else "zh") is None


def _first_request(problem: str, style: str) -> list:
    seen: list[list] = []

    def fn(messages, **_):
        seen.append(messages)
        return "```python\ndef solution():\n    return 1\n```"

    write_and_run(FunctionBackend(fn), problem, style, "zh", repair=False)
    return seen[0]


def test_the_request_shows_the_example_of_the_kind_except_in_the_equation_style():
    cone = "一个圆锥形零件底面半径4厘米，高6厘米，体积是多少立方厘米？"
    for style in ("direct", "steps"):
        shot_q, shot_code = (m.content for m in _first_request(cone, style)[1:3])
        assert "圆锥形沙堆" in shot_q and "Fraction(1, 3)" in shot_code
    assert "鸡兔同笼" in _first_request(cone, "equation")[1].content
    # no kind matches: the style's own example
    assert "菜地" in _first_request("一本故事书有180页，小华每天看15页，看了8天，还剩多少页没看？", "direct")[1].content


def test_a_copy_of_the_example_shown_is_refused():
    problem = "一个圆锥形零件底面半径4厘米，高6厘米，体积是多少立方厘米？"
    shown = nearest(problem, "zh")
    replies = iter(
        [
            f"```python\n{shown.program}\n```",
            "```python\ndef solution():\n    return Fraction(1, 3) * 3 * 4 * 4 * 6\n```",
        ]
    )
    att = write_and_run(FunctionBackend(lambda m, **_: next(replies)), problem, "direct", "zh")
    assert att.ok and att.repaired and answers.same_answer(att.value, "96")
