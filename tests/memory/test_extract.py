import json

import pytest

from banshi.memory.extract import model_facts, parse_forget, render, rule_facts, told_facts
from banshi.models.fake import FunctionBackend


def facts(text):
    return {(f.subject, f.attribute, f.value) for f in rule_facts(text)}


@pytest.mark.parametrize("text, expected", [
    ("My name is Anna and I live in Berlin.", {("user", "name", "Anna"), ("user", "city", "Berlin")}),
    ("My favourite fruit is mango, and my friend Lily's favourite is durian.",
     {("user", "favourite:fruit", "mango"), ("Lily", "favourite:fruit", "durian"), ("Lily", "relation", "friend")}),
    ("I'm allergic to peanuts.", {("user", "allergy", "peanuts")}),
    ("I moved to Munich last week.", {("user", "city", "Munich")}),
    ("My address is 12 Baker Street, London.", {("user", "address", "12 Baker Street, London")}),
    ("My wife is called Maria. She loves tulips.", {("Maria", "relation", "wife"), ("Maria", "likes", "tulips")}),
    ("我叫李雷，我住在北京。", {("user", "name", "李雷"), ("user", "city", "北京")}),
    ("我最喜欢的水果是芒果，我朋友小王最喜欢的水果是榴莲。",
     {("user", "favourite:水果", "芒果"), ("小王", "favourite:水果", "榴莲"), ("小王", "relation", "朋友")}),
    ("我搬到上海了", {("user", "city", "上海")}),
    ("我对花生过敏", {("user", "allergy", "花生")}),
    ("我的地址是北京市朝阳区建国路88号", {("user", "address", "北京市朝阳区建国路88号")}),
    ("我不喜欢香菜", {("user", "dislikes", "香菜")}),
    # a clause that goes on about the person just named, after a comma
    ("我女儿叫小雨，她对花生过敏。", {("小雨", "relation", "女儿"), ("小雨", "allergy", "花生")}),
    ("My daughter is called Mia, she is allergic to peanuts.",
     {("Mia", "relation", "daughter"), ("Mia", "allergy", "peanuts")}),
    ("我是一名小学老师", {("user", "job", "小学老师")}),
    # ages, of the user and of the people they name, in digits or in words
    ("我女儿叫小雨，今年8岁，她不吃香菜。",
     {("小雨", "relation", "女儿"), ("小雨", "age", "8"), ("小雨", "dislikes", "香菜")}),
    ("我叫小王，今年三十岁", {("user", "name", "小王"), ("user", "age", "30")}),
    ("我女儿今年8岁", {("女儿", "age", "8")}),
    ("My son Tom is 6 years old.", {("Tom", "relation", "son"), ("Tom", "age", "6")}),
    # a word between the person and what is told of them is no part of a name
    ("我老婆最喜欢郁金香", {("老婆", "likes", "郁金香")}),  # not a person named 最
    ("我朋友小李也喜欢火锅", {("小李", "relation", "朋友"), ("小李", "likes", "火锅")}),
    ("我女儿不吃香菜", {("女儿", "dislikes", "香菜")}),
    # a clause that leaves its subject out has the one before it (「住在杭州」 had been lost, and
    # 「我住在哪里？」 answered 北京)
    ("我叫李明，住在杭州，我女儿今年6岁，叫小雨",
     {("user", "name", "李明"), ("user", "city", "杭州"), ("小雨", "relation", "女儿"), ("小雨", "age", "6")}),
    ("我叫王芳，是一名老师，在北京上班",
     {("user", "name", "王芳"), ("user", "job", "老师"), ("user", "workplace", "北京")}),
    ("我喜欢川菜，不喜欢太甜的", {("user", "likes", "川菜"), ("user", "dislikes", "太甜")}),
    # where "we" live is where the user lives ("we live in Shanghai" had been kept by no one)
    ("My wife is called Anna, she is allergic to shellfish, and we live in Shanghai.",
     {("Anna", "relation", "wife"), ("Anna", "allergy", "shellfish"), ("user", "city", "Shanghai")}),
    ("我们家搬到杭州了", {("user", "city", "杭州")}),
    # words between "my" and the relation, and a clause going on about the person just named
    ("我最好的朋友叫张伟，他住在成都，最喜欢吃火锅",
     {("张伟", "relation", "朋友"), ("张伟", "city", "成都"), ("张伟", "favourite:食物", "火锅")}),
    # what the user is learning
    ("我最近在学吉他", {("user", "learning", "吉他")}),
    ("I am learning Spanish.", {("user", "learning", "Spanish")}),
    ("我在学校工作", {("user", "workplace", "学校")}),  # 学校 is no subject learnt
    # what is told of a pet is the pet's (三文鱼 had become the user's favourite food, 花花 the user's name)
    ("我家的猫叫咪咪，是一只橘猫，最爱吃三文鱼", {("user", "pet", "咪咪"), ("咪咪", "favourite:食物", "三文鱼")}),
    ("我有一只猫，叫花花，它对鱼过敏", {("user", "pet", "花花"), ("花花", "allergy", "鱼")}),
    ("我家的狗叫旺财，今年5岁", {("user", "pet", "旺财"), ("旺财", "age", "5")}),
])
def test_rules_catch_common_phrasings(text, expected):
    assert facts(text) == expected


@pytest.mark.parametrize("text", ["Do you like apples?", "I like to swim", "我忘了带钥匙", "What is my name?",
                                  "你喜欢什么水果？", "I'd like a coffee",
                                  "帮我叫一辆出租车，从故宫到天坛"])  # 叫 a taxi is no name
def test_questions_and_non_facts_state_nothing(text):
    assert facts(text) == set()


@pytest.mark.parametrize("text, said", [
    ("我最喜欢吃火锅。", ["你最喜欢的食物是火锅"]),
    ("我老婆喜欢吃寿司", ["你老婆喜欢寿司"]),
    ("我女儿叫小雨。", ["小雨是你的女儿"]),
    ("我叫李明", ["你的名字是李明"]),
    ("I'm allergic to peanuts.", ["you are allergic to peanuts"]),
    ("My wife's favourite flower is tulip.", ["your wife's favourite flower is tulip"]),
    ("My wife is called Maria. She loves tulips.", ["Maria is your wife", "Maria likes tulips"]),
    ("Call me Teddy.", ["your name is Teddy"]),
    ("Call my wife, please.", []),
    ("我住在杭州，帮我查一下天气", []),  # it asks too: not only telling
    ("我要一杯咖啡", []),
    ("我下个月要去东京出差，帮我看看机票", []),
    ("我是一名小学老师。今天有个学生在课堂上哭了。", []),  # and says more than the fact
    ("My favourite fruit is mango, what goes well with it?", []),
])
def test_a_turn_that_only_tells_gives_its_facts_said_to_the_user(text, said):
    assert [render(f.subject, f.attribute, f.value, f.chinese, you=True) for f in told_facts(text)] == said


@pytest.mark.parametrize("text, expected", [
    # a birthday said as a day to come keeps the date it is (「下个月8号」 read in January is no December day)
    ("我女儿叫朵朵，她下个月8号过生日，她最喜欢草莓蛋糕。",
     {("朵朵", "relation", "女儿"), ("朵朵", "birthday", "12月8日"), ("朵朵", "likes", "草莓蛋糕")}),
    ("我下个月8号过生日", {("user", "birthday", "12月8日")}),
    ("我妈妈叫王芳，她12月20日过生日", {("王芳", "relation", "妈妈"), ("王芳", "birthday", "12月20日")}),
    ("我是1990年5月3日出生的", {("user", "birthday", "1990年5月3日")}),
    ("My birthday is on the 8th of next month.", {("user", "birthday", "December 8")}),
    ("My son Tom's birthday is next Friday.", {("Tom", "relation", "son"), ("Tom", "birthday", "December 4")}),
    # a plan is kept with its day; one for today is no fact to keep, nor a day's errand asked for
    ("我下周五要去北京出差。", {("user", "plan", "12月11日要去北京出差")}),
    ("I'm flying to Tokyo next Tuesday.", {("user", "plan", "flying to Tokyo on December 1")}),
    ("I'm going to the gym today.", set()),
    # a birthday told by the age it brings; "she" / "he" after a person is them
    ("My daughter Emma turns 7 on March 14, and she loves chocolate cake.",
     {("Emma", "relation", "daughter"), ("Emma", "birthday", "March 14"), ("Emma", "likes", "chocolate cake"),
      ("Emma", "age", "6")}),  # (6 until then)
    ("My son Leo will be 5 next Tuesday.",
     {("Leo", "relation", "son"), ("Leo", "birthday", "December 1"), ("Leo", "age", "4")}),
    ("I turn 30 on June 3.", {("user", "birthday", "June 3"), ("user", "age", "29")}),
    ("I will be 40 next year.", set()), ("Emma will be home on Friday.", set()),
    # a birthday of someone said by the relation alone is theirs, not the user's
    ("我爸爸下个月15号过生日。", {("爸爸", "birthday", "12月15日")}),
    ("我爸爸住在成都，下个月15号过生日。", {("爸爸", "city", "成都"), ("爸爸", "birthday", "12月15日")}),
    ("我女儿小雨下个月8号过生日", {("小雨", "relation", "女儿"), ("小雨", "birthday", "12月8日")}),
    ("我家狗狗叫旺财，三岁了。", {("user", "pet", "旺财"), ("旺财", "age", "3")}),
    # a plan of someone told by relation is theirs; one made with them is the user's
    ("我弟弟下周五要去上海出差。", {("弟弟", "plan", "12月11日要去上海出差")}),
    ("我和老婆下周五要去三亚。", {("user", "plan", "和老婆12月11日要去三亚")}),
    # a job said with 是 is no name; what someone works at or learns
    ("我爸爸是医生。", {("爸爸", "job", "医生")}),
    ("我老婆在腾讯工作。", {("老婆", "workplace", "腾讯")}),
    ("我儿子乐乐在学钢琴。", {("乐乐", "relation", "儿子"), ("乐乐", "learning", "钢琴")}),
    ("我最好的朋友叫张伟，他是程序员，在百度上班。",
     {("张伟", "relation", "朋友"), ("张伟", "job", "程序员"), ("张伟", "workplace", "百度")}),
    # the subject an "and" leaves out
    ("My wife Anna is allergic to shellfish and loves Thai food.",
     {("Anna", "relation", "wife"), ("Anna", "allergy", "shellfish"), ("Anna", "likes", "Thai food")}),
    ("I'm allergic to peanuts and love Thai food.", {("user", "allergy", "peanuts"), ("user", "likes", "Thai food")}),
    ("I went to a parade and love everywhere.", set()),
    ("My friend Tom was born on May 2. He works as a chef.",
     {("Tom", "relation", "friend"), ("Tom", "birthday", "May 2"), ("Tom", "job", "chef")}),
    ("我在家过生日", set()),  # says no day
    # where one lives, said as a street address, is the address, and its city the city
    ("我住在杭州西湖区文三路88号。", {("user", "address", "杭州西湖区文三路88号"), ("user", "city", "杭州")}),
    ("我住在北京市朝阳区建国路88号", {("user", "address", "北京市朝阳区建国路88号"), ("user", "city", "北京")}),
    ("好的，在帮我找一个景点明天出去玩", set()),
])
def test_days_are_kept_as_dates(text, expected):
    from datetime import date

    assert {(f.subject, f.attribute, f.value) for f in rule_facts(text, today=date(2026, 11, 30))} == expected


def test_forget_commands():
    assert parse_forget("forget that").last
    assert parse_forget("Please forget everything you know about me").everything
    assert parse_forget("忘掉我的地址").attributes == ("address",)
    assert parse_forget("把我的生日忘了吧").attributes == ("birthday",)
    assert "favourite:水果" in parse_forget("忘掉我最喜欢的水果").attributes
    assert parse_forget("forget that I like durian").words == "like durian"
    for text in ("我忘了带钥匙", "I forgot my keys", "don't forget the milk", "how do I forget a wifi network"):
        assert parse_forget(text) is None


def test_model_facts_are_kept_only_when_grounded():
    answer = {"facts": [{"subject": "user", "attribute": "favourite_colour", "value": "teal"},
                        {"subject": "user", "attribute": "city", "value": "Paris"}]}  # Paris was never said
    backend = FunctionBackend(lambda *a, **k: json.dumps(answer))
    found = model_facts(backend, "These days teal is the colour I keep choosing for everything")
    assert [(f.attribute, f.value) for f in found] == [("favourite:colour", "teal")]
    assert backend.calls[0]["schema"]["required"] == ["facts"]
