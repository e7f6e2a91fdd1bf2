"""Worked examples for the homework solver, one per standard kind of textbook word problem, and
the one most like a given problem.

A small model copies the shape of the worked example it is shown far more faithfully than it
follows a rule written in words (the cone's ÷ 3, the tree at both ends, the base of a percentage).
So the solver shows, instead of one fixed example, an example of the problem's kind. Each example
has a cue, the words that show its kind (相遇 / 相对, 每隔 … 两端都, 圆锥, 打八折, "% off"); among
the examples whose cue the problem matches, the likest is shown, likeness being the cosine of
TF-IDF weighted characters and character pairs (Chinese) or word stems (English), numbers and
children's names left out. When no cue matches, the style's own fixed example is shown: an
example of another kind misleads (a row of trees planted "at both ends" for a multiplication).
The kinds are those of primary-school curricula (归一, 和差, 相遇, 工程, 植树, 折扣, 利息, 分数应用题,
圆锥 ...), written for this bank, none taken from a benchmark's items.
Every program here is run by the tests and must return its ``answer``.

May import: nothing from banshi.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Example:
    cue: re.Pattern[str]  # the words that show a problem is of this kind; none, no example
    problem: str
    program: str
    answer: str


def _ex(cue: str, problem: str, answer: str, *lines: str) -> Example:
    program = "def solution():\n" + "\n".join("    " + line for line in lines)
    return Example(re.compile(cue, re.I), problem, program, answer)


ZH: tuple[Example, ...] = (
    _ex(
        r"照这样|按这样|同样(?:的|计算)",
        "3支钢笔12元，照这样计算，买7支钢笔要多少元？",
        "28",
        "# 求：买7支要多少元（答案单位：元）",
        "# 已知：3支12元；先求1支多少元（归一）",
        "one = Fraction(12, 3)",
        "return one * 7",
    ),
    _ex(
        r"每[^。？?]{0,20}[，,。].{0,20}(?:如果|实际|现在|改为|改成)每(?!隔)",
        "一批货物，每天运40吨，6天运完。如果每天运60吨，几天可以运完？",
        "4",
        "# 求：每天运60吨要几天（答案单位：天）",
        "# 已知：每天40吨，6天运完；货物总量不变（归总）",
        "total = 40 * 6",
        "return Fraction(total, 60)",
    ),
    _ex(
        r"和是.{0,12}差是|差是.{0,12}和是",
        "两个数的和是50，差是12，较大的数是多少？",
        "31",
        "# 求：较大的数",
        "# 已知：和50，差12；较大数 = (和 + 差) ÷ 2",
        "return Fraction(50 + 12, 2)",
    ),
    _ex(
        r"(?:共|和是)有?\d+.{0,30}的\d+倍(?![多少])|的\d+倍(?![多少]).{0,30}(?:共|和是)有?\d+",
        "甲、乙两筐苹果共90个，甲筐的个数是乙筐的2倍，甲筐有多少个？",
        "60",
        "# 求：甲筐的个数",
        "# 已知：共90个；甲 = 乙 × 2，所以总数是乙的 2 + 1 倍",
        "yi = Fraction(90, 2 + 1)",
        "return yi * 2",
    ),
    _ex(
        r"(?:多|少)\d+[^，。,]*[，,].{0,20}的\d+倍(?![多少])|的\d+倍(?![多少])[^，。,]*[，,].{0,20}(?:多|少)\d+",
        "池塘里大鱼比小鱼多24条，大鱼的条数是小鱼的4倍，小鱼有多少条？",
        "8",
        "# 求：小鱼的条数",
        "# 已知：大鱼 = 小鱼 × 4，大鱼比小鱼多24条，多的是小鱼的 4 − 1 倍",
        "return Fraction(24, 4 - 1)",
    ),
    _ex(
        r"相遇|相对|相向|对面开",
        "两地相距360千米，两辆汽车同时从两地相对开出，甲车每小时行50千米，乙车每小时行40千米，几小时后两车相遇？",
        "4",
        "# 求：几小时后相遇（答案单位：小时）",
        "# 已知：相距360千米；相遇时间 = 路程 ÷ 速度和",
        "return Fraction(360, 50 + 40)",
    ),
    _ex(
        r"追上|追及|追赶|去追",
        "弟弟先走200米后，哥哥从同一地点出发去追，弟弟每分钟走60米，哥哥每分钟走100米，哥哥几分钟能追上弟弟？",
        "5",
        "# 求：几分钟追上（答案单位：分钟）",
        "# 已知：相差200米；追及时间 = 路程差 ÷ 速度差",
        "return Fraction(200, 100 - 60)",
    ),
    _ex(
        r"单独.{0,12}完成|合(?:做|作|修|干|运|挖|打)|一起(?:做|干|修)",
        "一项工程，甲队单独做10天完成，乙队单独做15天完成，两队合做几天完成？",
        "6",
        "# 求：合做几天完成（答案单位：天）",
        "# 已知：工作总量看作1；甲每天做1/10，乙每天做1/15",
        "per_day = Fraction(1, 10) + Fraction(1, 15)",
        "return 1 / per_day",
    ),
    _ex(
        r"进水管|排水管|注满|放完",
        "一个水池，单开进水管6小时注满，单开排水管8小时把满池水放完。两管同时打开，几小时能把空池注满？",
        "24",
        "# 求：几小时注满（答案单位：小时）",
        "# 已知：每小时进水1/6池，排水1/8池；每小时实际进水 = 1/6 − 1/8",
        "return 1 / (Fraction(1, 6) - Fraction(1, 8))",
    ),
    _ex(
        r"两端都|两头都",
        "一条路长100米，在路的一边每隔5米种一棵树，两端都种，一共要种多少棵树？",
        "21",
        "# 求：一共种多少棵",
        "# 已知：路长100米，间隔5米；两端都种：棵数 = 间隔数 + 1",
        "gaps = 100 // 5",
        "return gaps + 1",
    ),
    _ex(
        r"(?:两端|两头)(?:都)?不|[两二](?:栋|座|幢|棵|根|个)\S{0,3}之间",
        "在两栋楼之间有一条长60米的小路，在路的一边每隔6米栽一棵树（两端是楼，不栽），要栽多少棵树？",
        "9",
        "# 求：栽多少棵",
        "# 已知：长60米，间隔6米；两端都不栽：棵数 = 间隔数 − 1",
        "gaps = 60 // 6",
        "return gaps - 1",
    ),
    _ex(
        r"(?:一周|一圈|周长|四周|围成).{0,20}每隔|每隔.{0,20}(?:一周|一圈|四周)",
        "一个圆形花坛的周长是60米，沿着花坛每隔3米摆一盆花，一共要摆多少盆花？",
        "20",
        "# 求：摆多少盆",
        "# 已知：周长60米，间隔3米；围成一圈（封闭）：盆数 = 间隔数",
        "return 60 // 3",
    ),
    _ex(
        r"(?:锯|截|剪)[^。？?]{0,20}(?:分钟|秒|小时)|(?:分钟|秒|小时)[^。？?]{0,20}(?:锯|截|剪)",
        "把一根木头锯成5段，每锯一次要3分钟，一共要锯几分钟？",
        "12",
        "# 求：一共要几分钟（答案单位：分钟）",
        "# 已知：锯成5段要锯 5 − 1 次，每次3分钟",
        "cuts = 5 - 1",
        "return cuts * 3",
    ),
    _ex(
        r"[\d一二三四五六七八九十]+楼.{0,20}[\d一二三四五六七八九十]+楼",
        "从一楼走到四楼要走60级台阶，照这样计算，从一楼走到八楼要走多少级台阶？",
        "140",
        "# 求：一楼到八楼多少级",
        "# 已知：一楼到四楼走了 4 − 1 = 3 层楼梯，共60级",
        "per_floor = Fraction(60, 4 - 1)",
        "return per_floor * (8 - 1)",
    ),
    _ex(
        r"从前(?:面|往后)?数|从后(?:面|往前)?数|从左(?:往右)?数|从右(?:往左)?数",
        "小明排队，从前面数他排第6个，从后面数他排第10个，这一队一共有多少人？",
        "15",
        "# 求：一共多少人",
        "# 已知：从前数第6，从后数第10；小明被数了两次",
        "return 6 + 10 - 1",
    ),
    _ex(
        r"岁.{0,30}几年(?:后|前)|几年(?:后|前).{0,30}岁",
        "今年爸爸36岁，儿子8岁，几年后爸爸的年龄是儿子的3倍？",
        "6",
        "# 求：几年后（答案单位：年）",
        "# 已知：年龄差 36 − 8 = 28 岁不变；那时爸爸是儿子的3倍，差是儿子的 3 − 1 倍",
        "son_then = Fraction(36 - 8, 3 - 1)",
        "return son_then - 8",
    ),
    _ex(
        r"(?:打.{1,3}折|\d+折)(?!.*原价)",
        "一件衣服原价200元，现在打七五折出售，现价是多少元？",
        "150",
        "# 求：现价多少元（答案单位：元）",
        "# 已知：原价200元；打七五折：现价 = 原价 × 0.75",
        "return 200 * Fraction(75, 100)",
    ),
    _ex(
        r"(?:打.{1,3}折|\d+折).*原价",
        "一件商品打八折后卖240元，这件商品原价多少元？",
        "300",
        "# 求：原价多少元（答案单位：元）",
        "# 已知：现价240元 = 原价 × 0.8",
        "return Fraction(240) / Fraction(8, 10)",
    ),
    _ex(
        r"(?:打.{1,3}折|\d+折|打0?\.\d+)[^？?]*便宜了?\d[\s\S]*原价",
        "一件外套打八折后便宜了40元，这件外套原价多少元？",
        "200",
        "# 求：原价多少元（答案单位：元）",
        "# 已知：打八折便宜了原价的 1 − 0.8；便宜的40元 = 原价 × (1 − 0.8)",
        "return Fraction(40) / (1 - Fraction(8, 10))",
    ),
    _ex(
        r"利润|进价|成本|盈利|亏本",
        "一种商品进价80元，商店按进价加25%的利润定价，定价是多少元？",
        "100",
        "# 求：定价多少元（答案单位：元）",
        "# 已知：进价80元；利润是进价的25%",
        "return 80 * (1 + Fraction(25, 100))",
    ),
    _ex(
        r"利息|利率|本息",
        "王叔叔把5000元存入银行，定期3年，年利率是2.75%，到期时可以得到利息多少元？",
        "412.5",
        "# 求：利息多少元（答案单位：元）",
        "# 已知：利息 = 本金 × 年利率 × 年数",
        "return 5000 * Fraction(275, 10000) * 3",
    ),
    _ex(
        r"(?:增产|增加|提高|增长|多)(?:了)?\d+(?:\.\d+)?%",
        "某工厂去年生产零件500吨，今年比去年增产20%，今年生产零件多少吨？",
        "600",
        "# 求：今年多少吨（答案单位：吨）",
        "# 已知：去年500吨是单位“1”；今年 = 去年 × (1 + 20%)",
        "return 500 * (1 + Fraction(20, 100))",
    ),
    _ex(
        r"(?:减少|降低|下降|节约|少)(?:了)?\d+(?:\.\d+)?%",
        "今年的用水量比去年减少了20%，今年用水400吨，去年用水多少吨？",
        "500",
        "# 求：去年多少吨（答案单位：吨）",
        "# 已知：去年是单位“1”；今年 = 去年 × (1 − 20%) = 400",
        "return Fraction(400) / (1 - Fraction(20, 100))",
    ),
    _ex(
        r"百分之几|百分比",
        "一台电脑原来卖5000元，现在卖4000元，价格降低了百分之几？",
        "20%",
        "# 求：降低了百分之几（返回比值）",
        "# 已知：原价5000元是单位“1”；降低的钱 ÷ 原价",
        "return Fraction(5000 - 4000, 5000)",
    ),
    _ex(
        r"率(?:是|为)?多少|(?:及格|出勤|合格|成活|发芽|出粉|出油|优秀)率",
        "一次数学测验，全班50人中有46人及格，及格率是多少？",
        "92%",
        "# 求：及格率（百分率，返回比值）",
        "# 已知：及格率 = 及格人数 ÷ 总人数",
        "return Fraction(46, 50)",
    ),
    _ex(
        r"(?:余下|剩下|剩余)(?:部分)?的\d+/\d+",
        "一本书240页，第一天看了全书的1/4，第二天看了余下的1/3，第二天看了多少页？",
        "60",
        "# 求：第二天看了多少页",
        "# 已知：全书240页；第一天看全书的1/4，余下 = 全书 × (1 − 1/4)；第二天看余下的1/3",
        "rest = 240 * (1 - Fraction(1, 4))",
        "return rest * Fraction(1, 3)",
    ),
    _ex(
        r"(?:用去|用了|吃了|卖了|卖出|运走|运了|修了|看了)\S{0,6}?\d+/\d+.{0,12}(?:还剩|剩下)",
        "一桶油，用去3/5后还剩12千克，这桶油原来有多少千克？",
        "30",
        "# 求：原来多少千克（答案单位：千克）",
        "# 已知：原来是单位“1”；剩下 1 − 3/5，是12千克",
        "return Fraction(12) / (1 - Fraction(3, 5))",
    ),
    _ex(
        r"(?:剪去|用去|截去|剪下)\S{0,6}?\d+/\d+.{0,20}又.{0,6}\d+",
        "一根绳子，第一次剪去全长的1/4，第二次又剪去2米，还剩10米，这根绳子原来长多少米？",
        "16",
        "# 求：原来长多少米（答案单位：米）",
        "# 已知：剪去1/4后剩 3/4；再剪2米剩10米，所以全长的3/4是 10 + 2 米",
        "return Fraction(10 + 2) / (1 - Fraction(1, 4))",
    ),
    _ex(
        r"比.{0,8}(?:多|少)\d+/\d+",
        "甲数是40，乙数比甲数多1/4，乙数是多少？",
        "50",
        "# 求：乙数",
        "# 已知：甲是单位“1”；乙 = 甲 × (1 + 1/4)",
        "return 40 * (1 + Fraction(1, 4))",
    ),
    _ex(
        r"\d+/\d+\s*[+\-−×÷]\s*\d+/\d+",
        "计算：3/4 + 5/6 − 1/3 = ？",
        "5/4",
        "# 求：算式的结果（分数用 Fraction 精确计算，不要心算）",
        "return Fraction(3, 4) + Fraction(5, 6) - Fraction(1, 3)",
    ),
    _ex(
        r"解方程|[xX]\s*[=＝]|\d[xX]",
        "解方程：3x + 5 = 20，x等于多少？",
        "5",
        "x = sp.symbols('x')",
        "return sp.solve(sp.Eq(3*x + 5, 20), x)[0]",
    ),
    _ex(
        r"按\d+\s*[∶:比]\s*\d+",
        "把56本书按3∶4分给一班和二班，二班分到多少本？",
        "32",
        "# 求：二班分到多少本",
        "# 已知：共56本，按3∶4分，共 3 + 4 份",
        "return Fraction(56, 3 + 4) * 4",
    ),
    _ex(
        r"几分之几",
        "班里有男生20人，女生25人，男生人数占全班人数的几分之几？",
        "4/9",
        "# 求：男生占全班的几分之几（返回 Fraction）",
        "# 已知：全班 = 20 + 25 人",
        "return Fraction(20, 20 + 25)",
    ),
    _ex(
        r"平均(?:分|成绩|数)",
        "小明前三次数学测验的平均分是90分，第四次得了94分，这四次的平均分是多少？",
        "91",
        "# 求：四次的平均分（答案单位：分）",
        "# 已知：前三次总分 = 90 × 3",
        "total = 90 * 3 + 94",
        "return Fraction(total, 4)",
    ),
    _ex(
        r"长方形",
        "一个长方形的周长是30厘米，长是9厘米，它的面积是多少平方厘米？",
        "54",
        "# 求：面积（答案单位：平方厘米）",
        "# 已知：周长30厘米 = (长 + 宽) × 2，长9厘米",
        "width = Fraction(30, 2) - 9",
        "return 9 * width",
    ),
    _ex(
        r"正方形",
        "用一根长36厘米的铁丝围成一个正方形，这个正方形的面积是多少平方厘米？",
        "81",
        "# 求：正方形面积（答案单位：平方厘米）",
        "# 已知：周长36厘米，边长 = 周长 ÷ 4",
        "side = Fraction(36, 4)",
        "return side * side",
    ),
    _ex(
        r"三角形",
        "一块三角形菜地，底是8米，高是5米，面积是多少平方米？",
        "20",
        "# 求：面积（答案单位：平方米）",
        "# 已知：三角形面积 = 底 × 高 ÷ 2",
        "return Fraction(8 * 5, 2)",
    ),
    _ex(
        r"梯形",
        "一个梯形的上底是4厘米，下底是6厘米，高是5厘米，面积是多少平方厘米？",
        "25",
        "# 求：面积（答案单位：平方厘米）",
        "# 已知：梯形面积 = (上底 + 下底) × 高 ÷ 2",
        "return Fraction((4 + 6) * 5, 2)",
    ),
    _ex(
        r"圆.{0,20}(?:面积|占地)",
        "一个圆形花坛的直径是10米，它的面积是多少平方米？（π取3.14）",
        "78.5",
        "# 求：面积（答案单位：平方米）",
        "# 已知：直径10米，半径 = 10 ÷ 2；圆面积 = π × r²，π取3.14",
        "r = Fraction(10, 2)",
        "return Fraction('3.14') * r * r",
    ),
    _ex(
        r"圆.{0,20}(?:周长|一圈|一周)",
        "一个圆形水池的半径是3米，绕水池走一圈是多少米？（π取3.14）",
        "18.84",
        "# 求：周长（答案单位：米）",
        "# 已知：半径3米；圆周长 = 2 × π × r",
        "return 2 * Fraction('3.14') * 3",
    ),
    _ex(
        r"(?:四周|周围).{0,8}(?:修|铺|围).{0,10}宽",
        "一个边长是20米的正方形水池，四周修一条宽2米的小路，小路的面积是多少平方米？",
        "176",
        "# 求：小路的面积（答案单位：平方米）",
        "# 已知：外面大正方形的边长 = 20 + 2 × 2；小路面积 = 大正方形 − 水池",
        "outer = 20 + 2 * 2",
        "return outer * outer - 20 * 20",
    ),
    _ex(
        r"长方体",
        "一个长方体鱼缸，长5分米，宽4分米，高3分米，它的容积是多少升？",
        "60",
        "# 求：容积（答案单位：升）",
        "# 已知：长方体体积 = 长 × 宽 × 高；1立方分米 = 1升",
        "return 5 * 4 * 3",
    ),
    _ex(
        r"正方体",
        "一个正方体的棱长是4厘米，它的表面积是多少平方厘米？",
        "96",
        "# 求：表面积（答案单位：平方厘米）",
        "# 已知：正方体有6个面，每个面是边长4厘米的正方形",
        "return 6 * 4 * 4",
    ),
    _ex(
        r"圆柱",
        "一个圆柱形水桶，底面半径是2分米，高是5分米，它的体积是多少立方分米？（π取3.14）",
        "62.8",
        "# 求：体积（答案单位：立方分米）",
        "# 已知：圆柱体积 = π × r² × h，π取3.14",
        "return Fraction('3.14') * 2 * 2 * 5",
    ),
    _ex(
        r"圆锥",
        "一个圆锥形沙堆，底面直径是6米，高是1.5米，这堆沙的体积是多少立方米？（π取3.14）",
        "14.13",
        "# 求：体积（答案单位：立方米）",
        "# 已知：直径6米，半径3米；圆锥体积 = 1/3 × π × r² × h（不要忘了 1/3）",
        "r = Fraction(6, 2)",
        "return Fraction(1, 3) * Fraction('3.14') * r * r * Fraction('1.5')",
    ),
    _ex(
        r"水面(?:上升|升高|下降)|浸没|放入.{0,12}水",
        "一个长方体水箱，底面积是200平方厘米，放入一块石头（完全浸没）后，水面上升了3厘米，这块石头的体积是多少立方厘米？",
        "600",
        "# 求：石头的体积（答案单位：立方厘米）",
        "# 已知：石头的体积 = 水面上升的那部分水的体积 = 底面积 × 上升的高度",
        "return 200 * 3",
    ),
    _ex(
        r"\d{1,2}[:：]\d{2}|[上下]午\s*\d{1,2}\s*[点时]",
        "一辆汽车上午8:30出发，下午2:00到达，路上一共用了几小时？",
        "5.5",
        "# 求：用了几小时（答案单位：小时）",
        "# 已知：下午2:00是14:00；8:30是8.5时",
        "return Fraction(14) - Fraction(85, 10)",
    ),
    _ex(
        r"照这样的速度|每小时行|千米/时|速度",
        "一辆汽车3小时行驶180千米，照这样的速度，行驶300千米要几小时？",
        "5",
        "# 求：行300千米要几小时（答案单位：小时）",
        "# 已知：速度 = 180 ÷ 3 千米/时",
        "speed = Fraction(180, 3)",
        "return 300 / speed",
    ),
    _ex(
        r"往返|去时.{0,20}(?:回来|返回)",
        "小明从家去学校，去时每小时走6千米，回来时每小时走4千米，他往返的平均速度是每小时多少千米？",
        "4.8",
        "# 求：往返的平均速度（答案单位：千米/时）",
        "# 已知：设单程为1；平均速度 = 总路程 ÷ 总时间，不是两个速度的平均数",
        "time = Fraction(1, 6) + Fraction(1, 4)",
        "return 2 / time",
    ),
    _ex(
        r"至少(?:需要|要|得)",
        "45名同学去春游，每辆车最多坐8人，至少需要几辆车？",
        "6",
        "# 求：至少几辆车（有余数要多一辆：进一法）",
        "# 已知：45人，每辆最多8人",
        "return math.ceil(Fraction(45, 8))",
    ),
    _ex(
        r"最多(?:能|可以)\S{0,10}?(?:几|多少)(?:个|本|支|件|辆|只|张|瓶|盒|箱|人|块|条|根|套|次|份|袋|桶|束|朵)",
        "妈妈有50元钱，一本笔记本6元，最多能买几本笔记本？",
        "8",
        "# 求：最多能买几本（剩下的钱不够一本：去尾法）",
        "# 已知：50元，每本6元",
        "return 50 // 6",
    ),
    _ex(
        r"星期[一二三四五六日天几]",
        "今天是星期三，再过30天是星期几？",
        "5",
        "# 求：再过30天是星期几（答案是星期几的数字，星期日算7）",
        "# 已知：一星期7天，星期几每7天重复一次",
        "day = (3 + 30) % 7",
        "return day if day != 0 else 7",
    ),
    _ex(
        r"买\d+\S{0,3}送\d+",
        "超市搞活动，饮料买4瓶送1瓶，每瓶3元，要得到15瓶饮料，最少要花多少元？",
        "36",
        "# 求：最少花多少元（答案单位：元）",
        "# 已知：买4送1，每付4瓶的钱拿到 4 + 1 瓶；15瓶 = 3 组",
        "groups = 15 // (4 + 1)",
        "return groups * 4 * 3",
    ),
    _ex(
        r"以内|超过.{0,10}部分|超出",
        "出租车收费：3千米以内收10元，超过3千米的部分每千米收2元。坐8千米要付多少元？",
        "20",
        "# 求：要付多少元（答案单位：元）",
        "# 已知：前3千米10元；超过的部分 8 − 3 千米，每千米2元",
        "return 10 + (8 - 3) * 2",
    ),
    _ex(
        r"每.{0,8}多\d+.{0,20}每.{0,8}少\d+|每.{0,8}少\d+.{0,20}每.{0,8}多\d+",
        "老师给小朋友分苹果，每人分5个多3个，每人分6个少2个，有几个小朋友？",
        "5",
        "# 求：几个小朋友",
        "# 已知：每人多分 6 − 5 个，需要多出 3 + 2 个（盈亏问题）",
        "return Fraction(3 + 2, 6 - 5)",
    ),
    _ex(
        r"找回|找零|付了|带了",
        "妈妈带了100元，买了3千克苹果，每千克8.5元，应找回多少元？",
        "74.5",
        "# 求：找回多少元（答案单位：元）",
        "# 已知：带100元；苹果3千克，每千克8.5元",
        "cost = 3 * Fraction('8.5')",
        "return 100 - cost",
    ),
    _ex(
        r"都参加|都会|两项都|都没|都不",
        "全班40人，参加美术小组的有25人，参加音乐小组的有20人，两个小组都参加的有8人，两个小组都没参加的有几人？",
        "3",
        "# 求：两个小组都没参加的人数",
        "# 已知：参加至少一个小组的 = 25 + 20 − 8（都参加的被数了两次）",
        "joined = 25 + 20 - 8",
        "return 40 - joined",
    ),
    _ex(
        r"含盐|含糖|浓度|盐水|糖水",
        "把200克含盐10%的盐水加水稀释成含盐8%的盐水，需要加水多少克？",
        "50",
        "# 求：加水多少克（答案单位：克）",
        "# 已知：盐的重量不变 = 200 × 10%；新盐水重 = 盐 ÷ 8%",
        "salt = 200 * Fraction(10, 100)",
        "return salt / Fraction(8, 100) - 200",
    ),
    _ex(
        r"比例尺|图上",
        "在比例尺是1∶500000的地图上，量得两地的距离是2厘米，两地实际相距多少千米？",
        "10",
        "# 求：实际距离（答案单位：千米）",
        "# 已知：实际距离 = 图上距离 × 500000；1千米 = 100000厘米",
        "cm = 2 * 500000",
        "return Fraction(cm, 100000)",
    ),
    _ex(
        r"每两(?:支|个|人|队)|握手|两两",
        "6支球队进行比赛，每两支球队之间都要赛一场，一共要赛多少场？",
        "15",
        "# 求：一共赛多少场",
        "# 已知：每支队和另外 6 − 1 支队各赛一场，每场被数了两次",
        "return 6 * (6 - 1) // 2",
    ),
    _ex(
        r"通知",
        "老师要通知15名学生，用打电话的方式，每分钟一个人只能通知一个人，接到通知的人也马上去通知别人，至少要几分钟才能通知到所有学生？",
        "4",
        "# 求：至少几分钟",
        "# 已知：每分钟知道消息的人数翻一倍（老师1人开始），要让 15 + 1 人都知道",
        "told, minutes = 1, 0",
        "while told < 15 + 1:",
        "    told *= 2",
        "    minutes += 1",
        "return minutes",
    ),
    _ex(
        r"第\d+(?:根|棵|盏|个|层|站|号).{0,20}第\d+(?:根|棵|盏|个|层|站|号)",
        "小华从第1棵树跑到第6棵树用了10秒，照这样的速度，他从第1棵树跑到第16棵树要用多少秒？",
        "30",
        "# 求：第1棵到第16棵要用多少秒（答案单位：秒）",
        "# 已知：第1棵到第6棵有 6 − 1 个间隔，用10秒；第1棵到第16棵有 16 − 1 个间隔",
        "per_gap = Fraction(10, 6 - 1)",
        "return per_gap * (16 - 1)",
    ),
    _ex(
        r"(?:和|与|、).{0,16}共.{0,6}\d+.{0,60}(?:和|与|、).{0,16}共.{0,6}\d+",
        "买3支钢笔和2本笔记本共用了26元，买2支钢笔和3本笔记本共用了24元，每支钢笔多少元？",
        "6",
        "pen, book = sp.symbols('pen book')  # 每支钢笔、每本笔记本的价钱",
        "# 两个未知数，两个等式，一起解",
        "eqs = [sp.Eq(3*pen + 2*book, 26), sp.Eq(2*pen + 3*book, 24)]",
        "return sp.solve(eqs, [pen, book])[pen]",
    ),
    _ex(
        r"保证",
        "盒子里有红、黄、蓝三种颜色的球各10个，至少要摸出多少个球，才能保证一定有两个球颜色相同？",
        "4",
        "# 求：至少摸几个才能保证有两个同色（抽屉原理）",
        "# 已知：3种颜色；最坏的情况是每种颜色先各摸到1个，再摸1个就一定有两个同色",
        "kinds = 3",
        "return kinds + 1",
    ),
    _ex(
        r"(?:先|再|又|然后).{0,40}(?:后|结果)(?:是|得|为).{0,30}原来",
        "一个数先乘3，再减去5，然后除以2，结果是8，这个数原来是多少？",
        "7",
        "# 求：原来的数（倒推：从结果往回算，每一步做相反的运算）",
        "# 已知：×3，−5，÷2 后得8",
        "n = 8 * 2  # ÷2 的相反是 ×2",
        "n = n + 5  # −5 的相反是 +5",
        "return Fraction(n, 3)  # ×3 的相反是 ÷3",
    ),
    _ex(
        r"^[\d.]+\s*(?:公顷|平方千米|平方米|平方分米|千米|米|千克|吨|升)是多少",
        "3公顷是多少平方米？",
        "30000",
        "# 求：换算成平方米（答案单位：平方米）",
        "# 已知：1公顷 = 10000平方米",
        "return 3 * 10000",
    ),
    _ex(
        r"的\d+倍.{0,20}(?:多|少)多少",
        "红花有12朵，黄花的朵数是红花的3倍，黄花比红花多多少朵？",
        "24",
        "# 求：黄花比红花多多少朵",
        "# 已知：红花12朵，黄花 = 12 × 3",
        "yellow = 12 * 3",
        "return yellow - 12",
    ),
    _ex(
        r"(?:用去|用了|吃了|卖了|卖出|运走|运了|修了|看了)\S{0,6}?\d+/\d+.{0,12}(?:还剩|剩下)",
        "一袋大米用了1/3，还剩20千克，用了多少千克？",
        "10",
        "# 求：用了多少千克（答案单位：千克）",
        "# 已知：整袋是单位“1”；剩下 1 − 1/3 是20千克",
        "whole = Fraction(20) / (1 - Fraction(1, 3))",
        "return whole * Fraction(1, 3)",
    ),
    _ex(
        r"\d+%.{0,20}\d+%.{0,20}(?:还剩|剩下)",
        "修一条路，第一天修了全长的30%，第二天修了全长的25%，还剩450米没有修，这条路全长多少米？",
        "1000",
        "# 求：全长多少米（答案单位：米）",
        "# 已知：全长是单位“1”；剩下 1 − 30% − 25% 是450米",
        "rest = 1 - Fraction(30, 100) - Fraction(25, 100)",
        "return Fraction(450) / rest",
    ),
    _ex(
        r"一个数",
        "一个数的3倍比它的一半多15，这个数是多少？",
        "6",
        "x = sp.symbols('x')  # 这个数",
        "# 3倍 − 一半 = 15",
        "return sp.solve(sp.Eq(3*x - x/2, 15), x)[0]",
    ),
)

EN: tuple[Example, ...] = (
    _ex(
        r"\b\d+ \w+ (?:for|cost|costs) \$\d+",
        "Tom buys 3 notebooks for $12. How much would 7 notebooks cost?",
        "28",
        "# Asked: the cost of 7 notebooks (dollars)",
        "# Known: 3 cost $12, so one costs 12 / 3",
        "one = Fraction(12, 3)",
        "return one * 7",
    ),
    _ex(
        r"\bper hour\b|\ban hour\b|\bhourly\b",
        "Anna earns $15 an hour. She works 6 hours a day, 5 days a week. How much does she earn in 4 weeks?",
        "1800",
        "# Asked: earnings in 4 weeks (dollars)",
        "# Known: $15 an hour, 6 hours a day, 5 days a week",
        "per_week = 15 * 6 * 5",
        "return per_week * 4",
    ),
    _ex(
        r"% off|\bdiscount|\bon sale\b",
        "A jacket costs $80. It is on sale for 25% off. How much does the jacket cost on sale?",
        "60",
        "# Asked: the sale price (dollars)",
        "# Known: 25% off: new price = old price × (1 − 25/100)",
        "return 80 * (1 - Fraction(25, 100))",
    ),
    _ex(
        r"\d+%\s+of\s+(?:the|them|her|his|its|their)\b",
        "A class has 30 students. 40% of them are boys. How many girls are in the class?",
        "18",
        "# Asked: the number of girls",
        "# Known: 30 students; boys are 40% of them",
        "boys = 30 * Fraction(40, 100)",
        "return 30 - boys",
    ),
    _ex(
        r"\bof the (?:rest|remaining|remainder)\b|\bthe rest\b",
        "Sam had 120 marbles. He gave 1/4 of them to his sister and then 1/3 of the rest to his friend. How "
        "many marbles does he have left?",
        "60",
        "# Asked: marbles left",
        "# Known: 120; gave 1/4 away, then 1/3 of what was left",
        "rest = 120 - 120 * Fraction(1, 4)",
        "return rest - rest * Fraction(1, 3)",
    ),
    _ex(
        r"\byears? old\b|\bages?\b|\bas old as\b",
        "Mia is 3 times as old as her brother. In 4 years the sum of their ages will be 32. How old is Mia now?",
        "18",
        "x = sp.symbols('x')  # the brother's age now",
        "# Mia is 3x now; in 4 years: (3x + 4) + (x + 4) = 32",
        "return 3 * sp.solve(sp.Eq((3*x + 4) + (x + 4), 32), x)[0]",
    ),
    _ex(
        r"\bmiles\b|\bkm\b|\bspeed\b|\bmph\b",
        "A car travels 180 miles in 3 hours. At the same speed, how long will it take to travel 300 miles?",
        "5",
        "# Asked: hours for 300 miles",
        "# Known: speed = 180 / 3 miles per hour",
        "speed = Fraction(180, 3)",
        "return 300 / speed",
    ),
    _ex(
        r"\bboxes\b|\bneeds?\b.{0,40}\bhow many\b|\bhow many\b.{0,40}\bneed",
        "A baker makes 24 cupcakes. She puts them in boxes of 5. How many boxes does she need to pack all "
        "the cupcakes?",
        "5",
        "# Asked: boxes needed (a part-full box still counts: round up)",
        "# Known: 24 cupcakes, 5 per box",
        "return math.ceil(Fraction(24, 5))",
    ),
    _ex(
        r"\bhow many\b.{0,30}\bcan\b.{0,20}\bbuy\b|\bafford\b",
        "Pens cost $3 each. How many pens can Leo buy with $20?",
        "6",
        "# Asked: pens he can buy (the money left cannot buy one more: round down)",
        "# Known: $20, $3 each",
        "return 20 // 3",
    ),
    _ex(
        r"\bmonday\b|\btuesday\b|\bwednesday\b|\bthursday\b|\bfriday\b",
        "On Monday Lisa read 20 pages. On Tuesday she read twice as many pages as on Monday, and on "
        "Wednesday 5 pages fewer than on Tuesday. How many pages did she read in the three days?",
        "95",
        "# Asked: pages read Monday to Wednesday together",
        "# Known: Monday 20; Tuesday 2 × Monday; Wednesday = Tuesday − 5",
        "monday = 20",
        "tuesday = 2 * monday",
        "wednesday = tuesday - 5",
        "return monday + tuesday + wednesday",
    ),
    _ex(
        r"\bheads\b|\blegs\b",
        "A farmer has chickens and cows. There are 10 heads and 28 legs. How many cows are there?",
        "4",
        "x = sp.symbols('x')  # cows",
        "# cows have 4 legs, chickens 2; 10 heads in all",
        "return sp.solve(sp.Eq(4*x + 2*(10 - x), 28), x)[0]",
    ),
    _ex(
        r"\d+% (?:more|less|fewer)\b",
        "A store sold 120 shirts in May. In June it sold 25% more than in May. How many shirts did it sell "
        "in the two months altogether?",
        "270",
        "# Asked: shirts sold in May and June together",
        "# Known: May 120; June is 25% more than May",
        "may = 120",
        "june = may * (1 + Fraction(25, 100))",
        "return may + june",
    ),
    _ex(
        r"\bfence\b|\bperimeter\b|\ball around\b",
        "A rectangular garden is 12 meters long and 8 meters wide. A fence goes all around it. How many "
        "meters of fence are needed?",
        "40",
        "# Asked: length of the fence (the perimeter, meters)",
        "# Known: perimeter = 2 × (length + width)",
        "return 2 * (12 + 8)",
    ),
    _ex(
        r"\bsaves?\b|\bhow many weeks\b",
        "John saves $5 every week. He wants to buy a bike that costs $120 and already has $40. How many "
        "weeks will it take him?",
        "16",
        "# Asked: weeks of saving",
        "# Known: needs 120 − 40 more; saves 5 a week",
        "return Fraction(120 - 40, 5)",
    ),
    _ex(
        r"\bfills?\b|\bdrains?\b|\bper minute\b",
        "A tank holds 50 liters of water. A pipe fills it at 4 liters per minute while another drains it at "
        "1.5 liters per minute. How many minutes does it take to fill the empty tank?",
        "20",
        "# Asked: minutes to fill",
        "# Known: net rate = 4 − 1.5 liters per minute",
        "return 50 / (4 - Fraction('1.5'))",
    ),
    _ex(
        r"\bchange\b|\bpaid with\b",
        "Emma bought 3 shirts at $12 each and 2 pairs of jeans at $25 each. She paid with a $100 bill. How "
        "much change did she get?",
        "14",
        "# Asked: change (dollars)",
        "# Known: shirts 3 × 12, jeans 2 × 25, paid 100",
        "cost = 3 * 12 + 2 * 25",
        "return 100 - cost",
    ),
    _ex(
        r"\bwhat fraction\b",
        "What fraction of 60 minutes is 45 minutes?",
        "3/4",
        "# Asked: a fraction (return a Fraction)",
        "return Fraction(45, 60)",
    ),
)

_HAN = re.compile(r"[\u4e00-\u9fff]")
# the names of textbook children say nothing of a problem's kind
_NAMES = re.compile(r"小[明红华刚丽芳军强亮东兰玲林伟敏静]|[王李张刘陈][老阿叔伯]?[师叔姨伯爷奶]")
_WORD = re.compile(r"[a-z]+")
_STOP = frozenset(
    "a an the and or of to in on at for is are was were be it its he she they his her their them "
    "how what many much does did do there this that with by from as each".split()
)


def _terms(text: str, lang: str) -> Counter[str]:
    """The words that make a problem's kind: Chinese characters and character pairs (比, 倍, 相遇),
    English word stems; numbers and children's names never count."""
    if lang == "zh":
        han = "".join(ch if _HAN.match(ch) else " " for ch in _NAMES.sub(" ", text))
        runs = han.split()
        return Counter(
            [ch for run in runs for ch in run] + [run[i : i + 2] for run in runs for i in range(len(run) - 1)]
        )
    words = (w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2)
    return Counter(w[:-1] if w.endswith("s") and len(w) > 3 else w for w in words)


def _weighted(text: str, lang: str) -> Counter[str]:
    """The terms of a problem, those of its question (the last sentence) counted twice: what is
    asked tells the kind apart (原价 asked, or 现价)."""
    question = re.split(r"(?<=[。，,；;.!?！])\s*", text.strip().rstrip("？?。. "))[-1]
    return _terms(text, lang) + _terms(question, lang)


@cache
def _index(lang: str) -> tuple[dict[str, float], list[dict[str, float]]]:
    bank = ZH if lang == "zh" else EN
    docs = [_weighted(ex.problem, lang) for ex in bank]
    df = Counter(t for d in docs for t in d)
    idf = {t: math.log((len(docs) + 1) / (n + 1)) + 1 for t, n in df.items()}
    return idf, [_unit({t: c * idf[t] for t, c in d.items()}) for d in docs]


def _unit(vec: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {t: v / norm for t, v in vec.items()}


def nearest(problem: str, lang: str) -> Example | None:
    """The worked example of the problem's kind: among the examples whose cue the problem's words
    match, the likest; None when no kind's cue matches."""
    lang = "zh" if lang == "zh" else "en"
    bank = ZH if lang == "zh" else EN
    kinds = [i for i, ex in enumerate(bank) if ex.cue.search(problem)]
    if not kinds:
        return None
    idf, vectors = _index(lang)
    query = _unit({t: c * idf[t] for t, c in _weighted(problem, lang).items() if t in idf})
    return bank[max(kinds, key=lambda i: sum(w * vectors[i].get(t, 0.0) for t, w in query.items()))]
