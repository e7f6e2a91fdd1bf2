"""Which chat messages are math problems for the homework solver, and which are not."""

from __future__ import annotations

import pytest

from banshi.messages import Message
from banshi.skills.route import changed_problem, drawing, earlier_question, math_problem, skill_first, translation


@pytest.mark.parametrize(
    "text",
    [
        "17乘以3等于多少？",
        "What is 17 times 3?",
        "3 + 4 * 2",
        "解方程 2x+3=7",
        "100除以4是多少",
        "一辆车3小时行驶了180千米，照这样的速度，5小时行驶多少千米？",
        "小明有五个苹果，吃了两个，还剩几个？",  # the numbers written in Chinese
        "How many legs do 3 cats and 2 birds have?",
        "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. "
        "How many clips did Natalia sell altogether?",
        "multiply 7 and 42",
        "what is 15% of 80",
        "Mel is three years younger than Katherine. When Katherine is two dozen years old, how old will Mel be?",
        "There are 25 roses, 40 tulips and 35 daisies. What percentage of the flowers are roses?",
        "最高气温是2℃，南极的最高气温比它的5倍还多1.7℃，南极的最高气温是多少？",  # about temperature, still math
    ],
)
def test_math_problems_are_recognised(text):
    assert math_problem(text)


@pytest.mark.parametrize(
    "text",
    [
        "我最喜欢的数字是7和9。",  # a statement, nothing asked
        "我女儿几岁？",  # a question for memory, no quantities
        "明天下午3点提醒我开会",
        "2026年11月30日是星期几？",  # the calendar, not a calculation
        "What was Sam doing on December 4, 2023?",
        "帮我找一个人均消费50-100元、评分4.5分以上的餐馆",  # a range, not a subtraction
        "我打算出去玩2小时，你有什么建议？",  # 打算 is "plan", not 算
        "帮我看看哪家酒店有桑拿，价格在200-300元吧，评分是多少？",  # a search with a price range
        "帮我写一篇500字的作文，写3个理由",
        "Translate into French: I have 3 apples and 2 pears. How many fruits?",
        "where do i have to be on 12/03/2019",
        "When is my 3 pm meeting with the 2 new hires?",  # the calendar
        "",
        "多少" + "1 2 " * 1000,  # a pasted document is no school problem
    ],
)
def test_other_messages_are_not(text):
    assert not math_problem(text)


@pytest.mark.parametrize(
    ("text", "draws"),
    [
        ("画一只猫", True),
        ("帮我画一张生日海报，写上生日快乐", True),
        ("给我做一个咖啡店的logo", True),
        ("draw a cat", True),
        ("Can you make me a logo for my bakery?", True),
        ("画家梵高是谁？", False),  # about a painter
        ("怎么画猫？", False),  # how to draw: a question
        ("how do I draw a cat", False),
        ("做一份周报", False),
        ("please make a report that my card is split", False),
    ],
)
def test_a_request_for_a_picture_is_recognised(text, draws):
    assert drawing(text) is draws


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("翻译成英文：今天天气很好。", ("今天天气很好。", "en")),
        ("把下面这段话翻译成日语：\n我喜欢猫。", ("我喜欢猫。", "ja")),
        ("翻译：Hello world", ("Hello world", None)),  # the usual direction
        ("translate into French: I love cats.", ("I love cats.", "fr")),
        ("Translate this to Chinese\nThe meeting is at 3pm.", ("The meeting is at 3pm.", "zh")),
        ("翻译一下", None),  # nothing to translate follows
        ("How do you translate hello into French?", None),  # a question, answered by the model
        ("translate to me: hi", None),  # "me" is no language
    ],
)
def test_a_request_to_translate_the_text_that_follows_is_recognised(text, asked):
    assert translation(text) == asked


CHALK = "一盒粉笔有42支，老师用了3盒，一共用了多少支粉笔？"


@pytest.mark.parametrize(
    "text, earlier, changed",
    [
        # the quantity in the same unit is put in place: the small model misses a change said after
        ("那如果是5盒呢？", CHALK, "一盒粉笔有42支，老师用了5盒，一共用了多少支粉笔？"),
        ("要是用了八盒呢？", CHALK, "一盒粉笔有42支，老师用了8盒，一共用了多少支粉笔？"),  # the number in Chinese
        ("换成每盒50支呢", CHALK, "一盒粉笔有50支，老师用了3盒，一共用了多少支粉笔？"),
        ("What if there were 8 boxes?", "A box holds 42 pieces of chalk. How many pieces are in 3 boxes?",
         "A box holds 42 pieces of chalk. How many pieces are in 8 boxes?"),
        # no quantity in that unit: the change is said after the problem
        ("那如果是5个呢？", CHALK, CHALK + "\n（条件改为：那如果是5个呢？）请按改变后的条件解答。"),
        ("那为什么呢？", CHALK, None),  # no number: a question about the answer
        ("如果明天下雨，3点的会还开吗？", "今天天气怎么样？", None),  # the earlier message is no problem
        ("那如果是5盒呢？", None, None),
        ("帮我写一篇关于5个朋友的作文", CHALK, None),
        ("如果" + "很长的一段话，" * 20 + "5盒呢？", CHALK, None),
    ],
)
def test_a_follow_up_that_changes_the_problem_just_asked(text, earlier, changed):
    problem = changed_problem(text, earlier)
    assert problem == changed
    if changed:
        assert math_problem(problem)


def test_the_earlier_question_is_the_one_the_last_answer_answered():
    asked, answered = Message("user", CHALK), Message("assistant", "一共用了126支。")
    assert earlier_question([Message("system", "…"), asked, answered, Message("user", "那如果是5盒呢？")]) == CHALK
    assert earlier_question([Message("system", "…"), Message("user", "那如果是5盒呢？")]) is None
    assert earlier_question([asked, Message("user", "还有呢"), Message("user", "那如果是5盒呢？")]) is None


def test_a_follow_up_of_a_follow_up_changes_the_changed_problem():
    chat = [Message("user", CHALK), Message("assistant", "一共用了126支。"),
            Message("user", "那如果是5盒呢？"), Message("assistant", "一共用了210支。"), Message("user", "那7盒呢？")]
    assert changed_problem("那7盒呢？", earlier_question(chat)) == "一盒粉笔有42支，老师用了7盒，一共用了多少支粉笔？"
    chat[2] = Message("user", "那为什么呢？")  # no change in between: no problem to change
    assert changed_problem("那7盒呢？", earlier_question(chat)) is None


@pytest.mark.parametrize(
    ("text", "skill"),
    [
        ("小明买了3个苹果，每个2元，一共多少钱？", True),  # a word problem, though it buys
        ("翻译：the train leaves at noon", True),
        ("帮我写一首关于下雨天的诗", True),  # a poem about the rain is no forecast
        ("帮我写一条朋友圈，庆祝我女儿考上大学，语气温馨一点。", True),
        ("Can you write a haiku about snow in Beijing?", True),
        ("Tell me a joke about doctors", True),
        ("画一张北京天气的海报", True),
        ("写一封邮件给老板，说我明天请假", False),  # the office drafts emails
        ("remind me to write that letter tonight", False),
        ("我想买一副无线耳机，预算300", False),
        ("上海明天下雨吗", False),
    ],
)
def test_a_message_a_skill_takes_goes_to_no_service(text, skill):
    assert skill_first(text) is skill


def test_a_social_post_asked_for_in_the_chat_is_written_by_the_writing_skill_as_its_poster():
    """「帮我写一条朋友圈，庆祝我家猫咪三岁生日」 had been answered 「今天是你的猫咪三岁生日！」: the post
    spoke to its poster."""
    from banshi.messages import Completion
    from banshi.models.fake import FunctionBackend
    from banshi.skills.route import answer, social_post

    assert social_post("帮我写一条朋友圈，庆祝我家猫咪三岁生日") == "wechat_moments"
    assert social_post("Can you write a tweet about my first marathon?") == "x"
    assert social_post("给我写个小红书文案，推荐这家咖啡店") == "xiaohongshu"
    assert social_post("朋友圈里大家都在晒什么？") is None and social_post("帮我写一首诗") is None
    backend = FunctionBackend(lambda m, **_: "今天咪咪三岁啦！#猫咪生日")
    events = list(answer(backend, "帮我写一条朋友圈，庆祝我家猫咪三岁生日", lambda: iter(()), facts=["用户宠物：咪咪"]))
    assert events[-1] == Completion(text="今天咪咪三岁啦！#猫咪生日", finish_reason="stop")
    system, brief = (m.content for m in backend.calls[0]["messages"])
    assert "WeChat Moments (朋友圈)" in system and "- 用户宠物：咪咪" in brief  # what memory holds of the cat
