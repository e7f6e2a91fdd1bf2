"""The school-arithmetic facts added to a homework request: each kind of textbook problem gets its
rule when its words appear, and ordinary problems get none (a wrong rule misleads the model)."""

from __future__ import annotations

import re

import pytest

from banshi.models.fake import FunctionBackend
from banshi.skills.homework import knowledge, solve, write_and_run
from banshi.skills.school_facts import read_quantities


@pytest.mark.parametrize(
    "problem, rule",
    [
        ("两座楼房之间相距60米，每隔5米栽一棵树，能栽多少棵？", "总长 ÷ 间距 − 1"),
        ("一条路长100米，两端都种树，每隔10米种一棵，一共种多少棵？", "总长 ÷ 间距 + 1"),
        ("公路长1000米，每隔50米立一根电线杆，需要多少根？", "两端都不栽"),
        ("从左往右数，小红排第5，从右往左数她排第8，这一排有多少人？", "a + b − 1"),
        ("从前面数，小明排第4；从后面数，他排第6。这一队有几人？", "a + b − 1"),
        ("一本练习本3元，买4本送1本。每本实际便宜多少元？", "a + b"),
        ("用电100度以内每度0.5元，超过100度的部分每度0.8元，用了150度，应付多少元？", "超过分段点的部分"),
        ("全班40人，会游泳的20人，会滑冰的15人，两项都会的5人，两项都不会的有多少人？", "两项都没有的"),
        ("一张纸连续对折两次，每份是这张纸的几分之几？", "2ⁿ"),
        ("一个圆锥底面积12平方厘米，高5厘米，体积是多少立方厘米？", "÷ 3"),
        ("把一块石头放入水中，水面上升了2厘米，容器底面积50平方厘米，石头的体积是多少？", "容器的底面积"),
        ("一根长方体木料锯成4段，表面积增加了60平方分米，截面的面积是多少？", "2 × (n−1)"),
        ("一个梯形上底4厘米，下底6厘米，高5厘米，面积是多少？", "(上底 + 下底)"),
        ("一块地0.5公顷，合多少平方米？", "10000平方米"),
        ("小明今年8岁，爸爸36岁，几年后爸爸的年龄是小明的3倍？", "年龄差"),
        ("从一楼走到四楼要走60级台阶，从一楼到八楼要走多少级？", "台阶总数 ÷ 走过的层数"),
        ("某乡今年比去年增产二成，去年产粮500吨，今年多少吨？", "80%"),
    ],
)
def test_a_kind_of_problem_gets_its_rule(problem, rule):
    assert any(rule in fact for fact in knowledge(problem, "zh"))


def test_a_shape_gets_its_own_area_rule_only():
    facts = "".join(knowledge("一个平行四边形，面积是63平方米，底是9米，高是多少米？", "zh"))
    assert "平行四边形面积 = 底 × 高" in facts and "三角形" not in facts and "梯形" not in facts


@pytest.mark.parametrize(
    "problem, rule",
    [
        ("Buy 2 get 1 free: each mug is $6. How much does one mug really cost?", "a + b"),
        ("Trees stand between two buildings 30 m apart, one every 5 m, with both ends planted. How many?", "+ 1"),
        ("A cone has a base area of 9 square cm and a height of 4 cm. What is its volume?", "÷ 3"),
    ],
)
def test_english_problems_get_english_rules(problem, rule):
    facts = knowledge(problem, "en")
    assert any(rule in fact for fact in facts)
    assert not any(re.search(r"[\u4e00-\u9fff]", fact) for fact in facts)  # no Chinese rule for English


@pytest.mark.parametrize(
    "problem",
    [
        "Jack bought an ice cream cone before jogging to the beach. It melts in 10 minutes; how fast must he jog?",
        "Alan has 8 pine trees and each tree drops 200 pine cones. How many cones fall?",
    ],
)
def test_a_cone_that_is_no_solid_gets_no_volume_rule(problem):
    assert not any("cone" in fact for fact in knowledge(problem, "en"))


@pytest.mark.parametrize(
    "problem, only",
    [
        ("两座楼房之间相距60米，每隔5米栽一棵树，能栽多少棵？", "− 1"),
        ("小明家和学校之间的路长200米，每隔10米插一面旗，两端不插，要插多少面？", "− 1"),
        ("一条路长100米，两端都种树，每隔10米种一棵，一共种多少棵？", "+ 1"),
        ("一个圆形花坛周长60米，每隔3米摆一盆花，一共摆多少盆？", "周长 ÷ 间距。"),
    ],
)
def test_planting_gets_only_the_case_its_words_show(problem, only):
    # a menu of three formulas made the small model take the first one
    (planting,) = [fact for fact in knowledge(problem, "zh") if "植树" in fact]
    assert only in planting
    assert sum(planting.count(sign) for sign in ("+ 1", "− 1", "周长 ÷ 间距")) == 1


@pytest.mark.parametrize(
    "problem",
    [
        "农场有两头牛和5只羊，一共有多少只动物？",  # 两头 is two animals, not the two ends of a line
        "小明每隔3天去一次图书馆，30天里去了几次？",  # an interval of days, not of metres
        "学校有菊花30盆，兰花70盆，一共有多少盆花？",
        "小明今年8岁，妈妈比他大26岁，妈妈几岁？",
        "妈妈买了3千克苹果，每千克6元，一共花了多少元？",
    ],
)
def test_ordinary_problems_get_no_rule(problem):
    assert knowledge(problem, "zh") == []


def test_the_rule_reaches_the_model_in_the_problem_s_language():
    seen: list[list[str]] = []

    def fn(messages, **_):
        seen.append([m.content for m in messages])
        return "```python\ndef solution():\n    return 60 // 5 - 1\n```"

    att = write_and_run(FunctionBackend(fn), "两座楼房之间相距60米，每隔5米栽一棵树，能栽多少棵？", "direct", "zh")
    assert att.ok and att.value == "11"
    *example, request = seen[0]
    assert "提示：" in request and "不栽树" in request
    assert not any("植树" in text for text in example)  # the worked example carries no rule


@pytest.mark.parametrize(
    "written, read",
    [
        ("小明家住五楼，从一楼走到五楼要走80级台阶", "小明家住5楼，从1楼走到5楼要走80级台阶"),
        ("今年比去年增产两成", "今年比去年增产20%"),
        ("出勤率是七成五", "出勤率是75%"),
        ("全班百分之二十五的同学", "全班25%的同学"),
        ("已经修了全长的三分之一", "已经修了全长的1/3"),
        ("一共二十五个苹果和两百零五个梨", "一共25个苹果和205个梨"),
        ("两万元存三年", "20000元存3年"),
        ("跑了五千米", "跑了5千米"),  # the 千 of 千米, not five thousand metres
        ("用了一个半小时，又休息了半小时", "用了1.5小时，又休息了0.5小时"),
        ("每两人用一张桌子，从一楼到七楼", "每2人用一张桌子，从1楼到7楼"),
    ],
)
def test_quantities_written_in_words_are_read_as_digits(written, read):
    assert read_quantities(written) == read


@pytest.mark.parametrize(
    "words",
    [
        "一共有多少个？",
        "他们一样多",
        "十分高兴",
        "这个三角形的面积",
        "一些同学",
        "完成了一半",
        "一成不变",
        "一批零件",
        "三年级一班",
        "一辆汽车",
        "解一元一次方程",
        "还剩几分之几？",
        "3万元",
    ],
)
def test_words_that_are_not_quantities_are_kept(words):
    assert read_quantities(words) == words


def test_the_model_is_given_the_quantities_in_digits():
    seen: list[str] = []

    def fn(messages, **_):
        seen.append(messages[-1].content)
        return "```python\ndef solution():\n    return 80 // 4 * 19\n```"

    res = solve(FunctionBackend(fn), "从一楼走到五楼要走80级台阶，从一楼走到二十楼要走多少级？", explain=False)
    assert res.answer == "380"
    assert "从1楼走到5楼" in seen[0] and "20楼" in seen[0]
    assert res.problem.startswith("从一楼走到五楼")  # the student's own text is kept in the result


@pytest.mark.parametrize(
    "problem, lang, rule",
    [
        ("有18.6吨货物，每辆车运2.5吨，需要几辆车才能运完？", "zh", "进一法"),
        ("要把45个同学一次送到公园，每条船坐6人，至少要租几条船？", "zh", "进一法"),
        ("租一辆自行车每小时30元，100元最多租几小时？", "zh", "去尾法"),
        ("做一件衣服需要2.5米布，50米布最多能做几件？", "zh", "去尾法"),
        ("一件衣服至少用2.5米布，50米布能做几件？", "zh", "去尾法"),  # only the question's clause decides
        ("这些钱可以买几本书？", "zh", "去尾法"),
        ("How many trucks are needed to carry 18.6 tons if each carries 2.5 tons?", "en", "Rounding up"),
        ("At most how many hours can he rent the boat with $100?", "en", "Rounding down"),
        ("With $10, how many pens can she buy at $3 each?", "en", "Rounding down"),
    ],
)
def test_rounding_by_the_situation_is_told_when_the_words_ask_for_it(problem, lang, rule):
    assert sum(rule in fact for fact in knowledge(problem, lang)) == 1


def test_no_rounding_rule_without_a_direction_or_a_whole_count():
    def rounds(problem: str, lang: str) -> bool:
        words = ("进一法", "去尾法", "Rounding")
        return any(word in fact for fact in knowledge(problem, lang) for word in words)

    assert rounds("做3件衣服至少需要几个扣子？", "zh")
    assert not rounds("做3件衣服至少需要多少米布？", "zh")  # a length
    assert not rounds("甲乙合做需要几天完成？", "zh")  # a time, not asked whole by 至少 / 最多
    assert not rounds("小明有多少本书？", "zh")  # a count, no direction
    assert not rounds("至少要比原价多百分之几？", "zh")
    assert rounds("At least how many buses are needed?", "en")
    assert not rounds("How many hours did she work?", "en")
    assert not rounds("How many apples does Tom have left?", "en")
