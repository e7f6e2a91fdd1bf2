"""Facts of school arithmetic that a small model gets wrong when it writes a formula from memory.

Each entry is a named kind of textbook problem (植树问题, 排队问题, 圆锥的体积, 分段计费 ...) with
the words that show it applies and the rule, in Chinese and/or English. The homework skill adds
the rules a problem's words call for to its request (never to the worked examples). The kinds
are the standard ones of primary-school curricula, written as general rules, not for any item.

May import: banshi.numbers.
"""

from __future__ import annotations

import re

from banshi.numbers import zh_number

_N = r"(?:\d+|[一二两三四五六七八九十])"

# (trigger, Chinese rule, English rule); "" where a language has no rule
FACTS: list[tuple[re.Pattern[str], str, str]] = [
    # money
    (
        re.compile(r"打[一二三四五六七八九\d.]+折?|[一二三四五六七八九]折|折扣"),
        "打八折：现价 = 原价 × 0.8；打0.85折（或打八五折）：现价 = 原价 × 0.85；原价 = 现价 ÷ 折扣；"
        "便宜的钱 = 原价 × (1 − 折扣)。",
        "",
    ),
    (
        re.compile(r"\d+\s*(?:%|percent)\s*(?:off|discount)|discount", re.I),
        "",
        "x% off: the new price = old price × (1 − x/100); old price = new price ÷ (1 − x/100).",
    ),
    (re.compile(r"[一二三四五六七八九]成"), "八成 = 80%；七成五 = 75%；增产一成五 = 增加15%。", ""),
    (
        re.compile(r"买\s*" + _N + r"\s*\S{0,3}?\s*送\s*" + _N),
        "买a送b：付a份的钱，拿到 a + b 份；每份实际的价钱 = a份的钱 ÷ (a + b)。",
        "",
    ),
    (
        re.compile(r"\bbuy\s+\w+\b[^.?]{0,30}\bget\s+\w+\b[^.?]{0,20}\bfree\b", re.I),
        "",
        "Buy a, get b free: you pay for a and take a + b; the real price of one = the price of a ÷ (a + b).",
    ),
    (
        re.compile(r"超(?:过|出)[^，,。？]{0,12}部分"),
        "分段计费：分段点以内按第一种价钱算，超过分段点的部分按第二种价钱算，两段的钱相加。",
        "",
    ),
    (
        re.compile(r"利息|利率|税率|税后|本息"),
        "利息 = 本金 × 利率 × 存期（年）；税款 = 应纳税的钱 × 税率；本息 = 本金 + 利息。",
        "",
    ),
    (re.compile(r"\binterest\b", re.I), "", "Simple interest = principal × rate × years."),
    # percentages and ratios
    (
        re.compile(r"(?:多|少|增加|减少|提高|降低|增长|下降|节约|超过)(?:了)?(?:百分之|\d+(?:\.\d+)?%)"),
        "A比B多20%：A = B × (1 + 20%)；A比B少20%：A = B × (1 − 20%)；"
        "多（少）百分之几 = 相差的数 ÷ 单位“1”的量（“比”后面的量）。",
        "",
    ),
    (
        re.compile(
            r"\b(?:more|less|fewer|increase[sd]?|decrease[sd]?|higher|lower|raise[sd]?|cut)\b[^.?]*\d+\s*%|"
            r"\d+\s*%[^.?]*\b(?:more|less|fewer|increase|decrease|higher|lower)\b",
            re.I,
        ),
        "",
        "x% more than A = A × (1 + x/100); x% less than A = A × (1 − x/100); the percent change = change ÷ the "
        "original amount.",
    ),
    (
        re.compile(r"按\s*\d+\s*[:：∶比]\s*\d+|\d+\s*[:：∶]\s*\d+"),
        "按比分配：每份 = 总数 ÷ 份数之和，各部分 = 每份 × 各自的份数。",
        "Shared in the ratio a:b: one part = total ÷ (a + b); each share = one part × its number.",
    ),
    # counting: lines, stairs, cuts, folds, overlaps
    (
        re.compile(r"\bboth ends\b|\bat each end\b", re.I),
        "",
        "Posts or trees along a line with both ends planted: count = length ÷ spacing + 1; with neither end "
        "(between two buildings): count = length ÷ spacing − 1; around a closed loop: count = length ÷ spacing.",
    ),
    (
        re.compile(r"从(?:前|后|左|右|上|下)(?:面|边|往[前后左右上下])?数"),
        "排队问题：从前面数排第a、从后面数排第b，这一排一共 a + b − 1 人；前面有a人、后面有b人，一共 a + b + 1 人。",
        "",
    ),
    (
        re.compile(_N + r"\s*(?:楼|层)[\s\S]*(?:楼梯|台阶|走|爬|跑)|(?:楼梯|台阶|爬)[\s\S]*" + _N + r"\s*(?:楼|层)"),
        "从1楼走到n楼要走 n−1 层楼梯；从a楼到b楼走 b−a 层；每层的台阶数 = 台阶总数 ÷ 走过的层数。",
        "",
    ),
    (
        re.compile(
            r"\b(?:stairs|flights?|floors?)\b[\s\S]*\b(?:climb|walk|go)|\b(?:climb|walk|go)[\s\S]*"
            r"\b(?:stairs|flights?|\d+(?:st|nd|rd|th) floor)\b",
            re.I,
        ),
        "",
        "From floor 1 to floor n is n − 1 flights of stairs; from floor a to floor b is b − a flights.",
    ),
    (re.compile(r"(?:锯|截|剪|切)成"), "锯成n段只要锯 n−1 次。", ""),
    (
        re.compile(r"(?:锯|截|切)[\s\S]*表面积|表面积[\s\S]*(?:锯|截|切)"),
        "把圆柱或长方体横着锯成n段，锯了 n−1 次，每锯一次增加2个截面，表面积增加 2 × (n−1) 个截面的面积。",
        "",
    ),
    (re.compile(r"对折"), "对折1次分成2段，对折2次分成4段，对折n次分成 2ⁿ 段，每段是全长的 1/2ⁿ。", ""),
    (
        re.compile(r"都不(?:喜欢|参加|会|是|订|选|爱|及格|合格)|既[^，,。？]{1,10}又|两(?:种|项|样|门)都"),
        "重叠问题：至少有一项的 = A + B − 两项都有的；两项都没有的 = 总数 − (A + B − 两项都有的)。",
        "",
    ),
    (
        re.compile(
            r"(?:每|各)[^。？]{0,12}(?:剩|多出|不够|缺|还差)[^。？]*[；;，,][^。？]*(?:每|各)[^。？]{0,12}"
            r"(?:剩|多出|不够|缺|还差|正好|刚好)"
        ),
        "盈亏问题：设份数（人数）为x，同一个总数按两种分法各写一次（每份的数 × 份数 + 剩下的，或 − 不够的），"
        "两个式子相等，列一个方程。",
        "",
    ),
    # work, motion, age
    (
        re.compile(r"(?:合作|合做|合修|合挖|合干|单独|独做|独修)"),
        "工程问题：把全部工作量看作1，每天的工作效率 = 1 ÷ 单独完成的天数；合作天数 = 1 ÷ 效率之和。",
        "",
    ),
    (re.compile(r"相向|相遇"), "相遇问题：相遇时间 = 路程 ÷ 速度和；路程 = 速度和 × 相遇时间。", ""),
    (re.compile(r"追上|追及"), "追及问题：追及时间 = 相差的路程 ÷ 速度差。", ""),
    (
        re.compile(r"岁[\s\S]*(?:年前|年后|几年|多少年)|(?:年前|年后)[\s\S]*岁"),
        "年龄问题：两人的年龄差永远不变；过n年，每人都大n岁。",
        "",
    ),
    # geometry
    (re.compile(r"圆|半径|直径|π"), "圆周率 π 取 3.14（除非题目另有说明）；圆的周长 = 2πr = πd，圆的面积 = πr²。", ""),
    (re.compile(r"圆锥"), "圆锥的体积 = 底面积 × 高 ÷ 3；圆柱的体积 = 底面积 × 高。", ""),
    (  # a cone as a solid: said with a measure of one (an ice cream cone in a price problem is not)
        re.compile(r"\bcones?\b[\s\S]*\b(?:volume|radius|diameter|height|cubic)\b"
                   r"|\b(?:volume|radius|diameter|height|cubic)\b[\s\S]*\bcones?\b", re.I),
        "",
        "Volume of a cone = base area × height ÷ 3.",
    ),
    (
        re.compile(r"水面[^，,。？]{0,4}(?:上升|升高|下降|降低)|浸(?:入|没|在)|(?:放|沉)入水"),
        "物体完全浸没在水中：水面上升的高度 = 物体的体积 ÷ 容器的底面积。",
        "",
    ),
    # one rule per shape named: given all three, the model took the triangle's ÷ 2 for a parallelogram
    (re.compile(r"三角形"), "三角形面积 = 底 × 高 ÷ 2。", ""),
    (re.compile(r"平行四边形"), "平行四边形面积 = 底 × 高。", ""),
    (re.compile(r"梯形"), "梯形面积 = (上底 + 下底) × 高 ÷ 2。", ""),
    (
        re.compile(r"公顷|平方千米|平方公里|平方分米|平方厘米|立方分米|立方厘米|毫升"),
        "1公顷 = 10000平方米；1平方千米 = 100公顷；1平方米 = 100平方分米 = 10000平方厘米；"
        "1立方米 = 1000立方分米；1立方分米 = 1升 = 1000立方厘米 = 1000毫升。",
        "",
    ),
]


# 植树问题 has three cases. Given as a menu, the 1.5B model takes the first formula whatever the words
# say (two programs both planted the ends "between two buildings"), so only the case the words
# show is given, the menu only when they show none.
_PLANTING = re.compile(
    r"两端|首尾|(?:每隔|间隔|相隔|间距)[^，,。？]{0,8}米|"
    r"之间[^，,。？]{0,12}(?:栽|种|植|插|挂|摆|装)"
)
_PLANTING_CASES: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"两端(?:都|各|也)?(?:要)?(?:栽|种|植|插|挂|摆|装|放|立)"),
        "植树问题，两端都栽：棵数 = 总长 ÷ 间距 + 1。",
    ),
    (re.compile(r"两端(?:都)?不"), "植树问题，两端都不栽：棵数 = 总长 ÷ 间距 − 1。"),
    (
        re.compile(r"(?:两|二)(?:座|幢|栋|根|棵|个|所|家|间)[^，,。？]{0,6}之间|[和与跟][^，,。？]{1,8}之间"),
        "植树问题：在两座楼（两根杆、两个地方）之间栽，两端是楼，不栽树：棵数 = 总长 ÷ 间距 − 1。",
    ),
    (re.compile(r"围成|一周|一圈|周长|环形|圆形"), "植树问题，围成一圈：棵数 = 周长 ÷ 间距。"),
]
_PLANTING_MENU = (
    "植树问题：两端都栽，棵数 = 总长 ÷ 间距 + 1；两端都不栽，棵数 = 总长 ÷ 间距 − 1；"
    "只栽一端或围成一圈，棵数 = 总长 ÷ 间距；路的两旁都栽，再 × 2。"
)


def _planting(problem: str) -> str:
    if not _PLANTING.search(problem):
        return ""
    rule = next((text for when, text in _PLANTING_CASES if when.search(problem)), _PLANTING_MENU)
    if rule is not _PLANTING_MENU and re.search(r"两旁|两侧|两边", problem):
        rule += "路的两旁都栽，再 × 2。"
    return rule


# 进一法 / 去尾法: a count of whole things worked out by a division is rounded by the situation —
# up when everything must be held or carried (至少要几辆车, how many trucks are needed), down when
# only whole ones can be bought or made (最多能买几个, how many can she buy). Only the question's
# own words decide; without a direction word nothing is rounded.
COUNT_WORDS = (
    "个|人|名|位|只|棵|株|辆|本|张|件|台|盒|袋|箱|瓶|支|朵|双|把|颗|条|根|间|组|次|页|道|架|套|艘|匹|头|"
    "筐|篮|排|行|队|场|幅|份|桶|包|捆|堆|盏|枝|座|片|粒|块|层|节|户|所|杯|碗|扇|顶|封|串|桌|盆|副|届|级|趟|圈|步"
)
_ZH_WHOLE = re.compile(r"(?:几|多少)(?:" + COUNT_WORDS + r")(?<!个(?=小时|月))")
_ZH_WHOLE_TIME = re.compile(r"几(?:个)?(?:小时|天|周|星期|个月|年|分钟)")  # only with 至少 / 最多
_ZH_STRONG = re.compile(r"至少|最少|起码|最多|至多|最大|顶多")
_ZH_UP = re.compile(r"需要|要|才能|才可以|才够|(?:装|运|坐|放|拉|搬|做|读|看|印)完")
_ZH_DOWN = re.compile(r"(?:能|可以|够)(?:买|装|做|换|租|剪|截|分|坐|住|种|放|摆|缝|包|印|运|铺|穿|喝|吃|用)")
_EN_WHOLE = re.compile(r"\bhow many\b", re.I)
EN_MEASURE = (
    r"hours?|minutes?|seconds?|days?|weeks?|months?|years?|miles?|km|kilomet\w+|met(?:er|re)s?|feet|"
    r"foot|inch(?:es)?|cm|centimet\w+|yards?|pounds?|ounces?|kg|kilograms?|grams?|lit(?:er|re)s?|"
    r"gallons?|quarts?|cups?|dollars?|cents?|euros?|percent|times|degrees?|square|cubic|calories|mph"
)
# "how many trucks", not "how many hours" or "how many more dollars"
EN_COUNT = re.compile(r"\bhow many (?!(?:more |fewer |less |total |in total |extra )?(?:" + EN_MEASURE + r")\b)", re.I)
_EN_WHOLE_TIME = re.compile(r"\bhow many (?:full |whole )?(?:hours|days|weeks|months|years|minutes)\b", re.I)
_EN_STRONG = re.compile(r"\b(?:at least|minimum|fewest|least number|at most|maximum|the most|greatest number)\b", re.I)
_EN_UP = re.compile(r"\b(?:needs?|needed|required|requires?|necessary)\b", re.I)
_EN_DOWN = re.compile(r"\b(?:can|could|afford)\b", re.I)
_ROUNDING = {
    "up": (
        "进一法：问至少（需要）几辆车、几个箱子、几次才能装完或运完时，余下的不足一份也要再用一个：结果向上取整"
        "（math.ceil），例如 26 ÷ 4 = 6.5，要7辆。",
        "Rounding up: when the question asks how many are needed (at least) to hold or carry everything, a "
        "remainder needs one more: round up (math.ceil), e.g. 26 ÷ 4 = 6.5 → 7.",
    ),
    "down": (
        "去尾法：问最多能买（装、做、租）几个时，不够一个的余数舍去：结果向下取整（math.floor），"
        "例如 50 ÷ 8 = 6.25，最多6个。",
        "Rounding down: when the question asks how many at most can be bought, filled or made, the remainder "
        "is dropped: round down (math.floor), e.g. 50 ÷ 8 = 6.25 → 6.",
    ),
}


def _question(problem: str, zh: bool) -> str:
    """The question's own words: from the clause holding the last question word to its sentence's end."""
    ask = re.compile(r"几|多少") if zh else _EN_WHOLE
    ends = r"[。！？!?；;\n]" if zh else r"[!?;\n]|\.(?=\s|$)"
    sentences = [s for s in re.split(ends, problem) if ask.search(s)]
    if not sentences:
        return ""
    clauses = re.split(r"[，,：:]", sentences[-1])
    at = max(i for i, c in enumerate(clauses) if ask.search(c))
    return ",".join(clauses[at:])


def rounding(problem: str, lang: str) -> str:
    """How (up: 进一法, down: 去尾法, or "" for not at all) a non-whole count the question asks for is
    rounded, read from the question's words. A whole count is asked by 几辆 / 多少个 / "how many trucks"; a
    whole number of hours or days (几小时, how many hours) only with 至少 / 最多 / at least / at most."""
    zh = lang == "zh"
    clause = _question(problem, zh)
    # only the question's own clause: 一件衣服至少用2.5米布，50米布能做几件 is 去尾法
    strong = list((_ZH_STRONG if zh else _EN_STRONG).finditer(clause))
    if zh:
        whole = _ZH_WHOLE.search(clause) or (strong and _ZH_WHOLE_TIME.search(clause))
    else:
        time = _EN_WHOLE_TIME.search(clause)
        whole = (strong and time) or (not time and EN_COUNT.search(clause))
    if not whole:
        return ""
    if strong:  # the last one, nearest the question word
        word = strong[-1].group(0).lower()
        return "up" if word in ("至少", "最少", "起码", "at least", "minimum", "fewest", "least number") else "down"
    if (_ZH_UP if zh else _EN_UP).search(clause):
        return "up"
    if (_ZH_DOWN if zh else _EN_DOWN).search(clause):
        return "down"
    return ""


def facts_for(problem: str, lang: str) -> list[str]:
    """The rules the problem's words call for, in the problem's language ("zh" or other)."""
    col = 1 if lang == "zh" else 2
    found = [entry[col] for entry in FACTS if entry[col] and entry[0].search(problem)]
    way = rounding(problem, lang)
    if way:
        found.append(_ROUNDING[way][col - 1])
    planting = _planting(problem) if lang == "zh" else ""
    return [planting, *found] if planting else found


# Reading quantities written in words into numbers before the model sees them. The 1.5B model
# reads "住在五楼" or "三分之一" less reliably than "5楼" or "1/3", and a program's use of the
# problem's numbers is checked by its digits. Only numerals before a unit or measure word are
# rewritten, so words like 一共, 一样, 一些, 十分, 三角形 stay as written.
# a numeral starts with a digit or 十 (not 万元, 零件) and does not take the 千 of 千米 / 千克
_ZH_NUM = r"[一二两三四五六七八九十](?:[零〇一二两三四五六七八九十百万]|千(?!米|克|瓦))*"
# measure words and units after which a numeral is a quantity (not 角, 分 or 点: 三角形, 十分, 一点儿)
_AFTER = (
    "平方千米|平方公里|平方米|平方分米|平方厘米|立方米|立方分米|立方厘米|千米|公里|分米|厘米|毫米|米|"
    "千克|公斤|吨|克|毫升|升|元(?![一二三]次)|小时|分钟|秒|天|星期|周|个月|年(?!级)|岁|倍|次(?!方)|楼|层|"
    "个|人|名|位|只|棵|株|辆|本|张|件|台|盒|袋|箱|瓶|支|朵|双|把|颗|条|根|间|组|页|道|架|套|艘|匹|头|"
    "筐|篮|排|行|队|场|幅|份|桶|包|捆|堆|盏|枝|座|片|粒|块|节|户|所|杯|碗|扇|顶|封|串|桌|盆|副|趟|圈|步|"
    "段|级|格|部|斤"
)


def read_quantities(problem: str) -> str:
    """The problem with its quantities in digits: 百分之二十 → 20%, 三分之一 → 1/3, 五楼 → 5楼,
    两成 → 20%, 二十五个 → 25个, 一个半小时 → 1.5小时. Anything else is kept as written, also
    一 before a measure word (一辆车 is "a car") and grade names (三年级)."""

    def value(raw: str) -> int | None:
        return int(raw) if raw.isdigit() else zh_number(raw)

    def percent(m: re.Match[str]) -> str:
        raw = m.group(1)
        number = raw if re.fullmatch(r"\d+(?:\.\d+)?", raw) else zh_number(raw)
        return m.group(0) if number is None else f"{number}%"

    def fraction(m: re.Match[str]) -> str:
        den, num = value(m.group(1)), value(m.group(2))
        return m.group(0) if den is None or num is None or den == 0 else f"{num}/{den}"

    def tenths(m: re.Match[str]) -> str:  # 两成 = 20%, 七成五 = 75%
        whole, part = zh_number(m.group(1)), zh_number(m.group(2)) if m.group(2) else 0
        return m.group(0) if whole is None or part is None else f"{whole * 10 + part}%"

    def quantity(m: re.Match[str]) -> str:
        number = zh_number(m.group(1))
        if number is None or (m.group(1) == "一" and m.group(2) not in ("楼", "层")):
            return m.group(0)  # 一个, 一辆 is "a", not a quantity the model misreads; 一楼 is floor 1
        return f"{number}{m.group(2)}"

    text = re.sub(r"百分之(" + _ZH_NUM + r"|\d+(?:\.\d+)?)", percent, problem)
    text = re.sub(r"(" + _ZH_NUM + r"|\d+)分之(" + _ZH_NUM + r"|\d+)", fraction, text)
    text = re.sub(r"([一二两三四五六七八九])成([一二三四五六七八九])?(?![不功绩为本员立熟年人品])", tenths, text)
    text = re.sub(r"(?<![\d.])(" + _ZH_NUM + r")(" + _AFTER + r")", quantity, text)
    text = re.sub(
        r"(\d+|" + _ZH_NUM + r")个半(小时|月|天)",
        lambda m: (
            f"{value(m.group(1))}.5{'个月' if m.group(2) == '月' else m.group(2)}"
            if value(m.group(1)) is not None
            else m.group(0)
        ),
        text,
    )
    return re.sub(r"(?<![\d个])半(小时|天)", r"0.5\1", text)
