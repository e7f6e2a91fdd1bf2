"""What recall puts in the prompt: only facts about the question, all values of a
several-valued fact, "don't know" instead of a guess, and nothing the user had forgotten —
not even through the history of the same conversation."""

import pytest
from sqlalchemy import select

from banshi.chat.hooks import prompt_text
from banshi.memory import get_memory
from banshi.store.db import session_scope
from banshi.store.tables import Message
from tests.memory.conftest import drain
from tests.memory.test_api import new, send


def settle(settings) -> None:
    drain(get_memory(settings))


def prompt_of(fake) -> str:
    return "\n".join(m.content for m in fake.calls[-1]["messages"])


def memory_block(fake) -> str:
    system = fake.calls[-1]["messages"][0].content
    return system.split("\n\n", 1)[-1]


def told(client, settings, *sentences: str) -> None:
    cid = new(client)
    for s in sentences:
        send(client, cid, s)
    settle(settings)


def test_only_the_fact_asked_about_reaches_the_prompt(client, fake, settings):
    told(client, settings, "My favourite fruit is mango.", "I live in Berlin.", "I work as a radiologist.")
    evs = send(client, new(client), "What is my favourite fruit?")
    block = memory_block(fake)
    assert "mango" in block and "Berlin" not in block and "radiologist" not in block
    sources = next(e["sources"] for e in evs if e["type"] == "sources")
    assert [s["text"] for s in sources if s["type"] == "fact"] == ["User's favourite fruit: mango"]


def test_an_unrelated_request_gets_no_memory_and_shows_no_source(client, fake, settings):
    told(client, settings, "My favourite fruit is mango.", "I live in Berlin.", "I work as a radiologist.")
    evs = send(client, new(client), "Write a short poem about the sea.")
    assert "Memory" not in fake.calls[-1]["messages"][0].content
    assert not any(e["type"] == "sources" for e in evs)
    send(client, new(client), "写一首关于月亮的诗")
    assert "记忆" not in fake.calls[-1]["messages"][0].content


def test_a_fact_asked_about_in_other_words_is_still_recalled(client, fake, settings):
    told(client, settings, "我住在杭州。", "我在银行工作。", "我最喜欢的书是红楼梦。")
    send(client, new(client), "给我推荐一本书")
    block = memory_block(fake)
    assert "红楼梦" in block and "银行" not in block


def test_every_allergy_is_recalled_on_one_line(client, fake, settings):
    told(client, settings, "I'm allergic to peanuts.", "My favourite colour is teal.", "I'm allergic to shellfish.")
    send(client, new(client), "What am I allergic to?")
    lines = [line for line in memory_block(fake).splitlines() if "allergic" in line]
    assert len(lines) == 1 and "peanuts" in lines[0] and "shellfish" in lines[0] and " and " in lines[0]
    assert "teal" not in memory_block(fake)


def test_a_personal_question_memory_cannot_answer_is_not_guessed(client, fake, settings):
    told(client, settings, "My favourite fruit is mango.")
    calls = len(fake.calls)
    evs = send(client, new(client), "What is my address?")  # memory says so itself, no model call
    assert _answer(evs) == "I don't know that yet — you haven't told me. Tell me and I'll remember it."
    assert _answer(send(client, new(client), "我的生日是哪天？")).startswith("这个我还不知道")
    assert len(fake.calls) == calls
    cid = new(client)  # said in this conversation in words memory did not keep: the model answers
    send(client, cid, "My address, if you need it, is on the card I gave you: flat 3, 9 Mill Lane.")
    send(client, cid, "What is my address?")
    assert "don't know" in memory_block(fake) and "mango" not in memory_block(fake)
    send(client, new(client), "What is Lily's favourite colour?")  # someone the user knows
    assert "don't know" in memory_block(fake)
    send(client, new(client), "What should I cook tonight?")  # not a question about the user's details
    assert "don't know" not in fake.calls[-1]["messages"][0].content  # nor is "I don't know that yet" recalled


def test_a_question_about_something_memory_does_not_hold_is_not_guessed_from_what_it_does(client, fake, settings):
    """「朵朵哪天过生日？」 with only her liking and relation kept: the local model had answered with
    a date of its own (「2026年11月30日」)."""
    told(client, settings, "我女儿叫朵朵，她最喜欢草莓蛋糕。", "My wife is called Maria. She loves tulips.")
    for question in ("朵朵哪天过生日？", "我女儿的生日是几号？"):
        assert _answer(send(client, new(client), question)).startswith("这个我还不知道")
    assert _answer(send(client, new(client), "When is Maria's birthday?")).startswith("I don't know that yet")
    cid = new(client)  # a birthday said here of someone else is no word of the husband's
    send(client, cid, "我妹妹下个月过生日，我想送她一束花。")
    assert _answer(send(client, cid, "我老公哪天过生日？")).startswith("这个我还不知道")
    for question in ("我住在哪？", "我对什么过敏？"):  # their cues are errand words too, their own words are not
        assert _answer(send(client, new(client), question)).startswith("这个我还不知道")
    told(client, settings, "我的生日是5月20号。")  # the user's own birthday is not the wife's
    assert _answer(send(client, new(client), "我老公哪天过生日？")).startswith("这个我还不知道")
    assert _answer(send(client, new(client), "What is my brother's job?")).startswith("I don't know that yet")
    assert _answer(send(client, new(client), "What does my brother like?")).startswith("I don't know that yet")
    for question, held in (("朵朵喜欢什么蛋糕？", "草莓蛋糕"), ("我女儿叫什么名字？", "朵朵"),
                           ("What's my wife's name?", "Maria"), ("What does Maria like?", "tulips")):
        send(client, new(client), question)  # what memory holds answers it
        assert held in memory_block(fake) and "不知道" not in memory_block(fake)
        assert "don't know" not in memory_block(fake)
    told(client, settings, "朵朵下个月8号过生日。")
    send(client, new(client), "朵朵哪天过生日？")
    assert "生日" in memory_block(fake) and "不知道" not in memory_block(fake)


def test_what_this_conversation_told_in_other_words_is_not_called_unknown(client, fake, settings):
    """"My daughter Emma turns 7 on March 14, and she loves chocolate cake.", then "When is Emma's
    birthday…?" had been answered "I don't know that yet": a birthday told by its date, a taste
    told as 最爱, are the model's to answer from the conversation."""
    cid = new(client)
    send(client, cid, "我女儿叫朵朵。")
    send(client, cid, "草莓蛋糕是朵朵的最爱，她是3月5日那天出生的。")
    for question in ("朵朵喜欢什么口味？", "朵朵哪天过生日？"):
        calls = len(fake.calls)
        assert "不知道" not in _answer(send(client, cid, question)) and len(fake.calls) == calls + 1
    assert _answer(send(client, cid, "我老婆喜欢什么？")).startswith("这个我还不知道")  # of someone else
    cid = new(client)
    send(client, cid, "My daughter Emma turns 7 on March 14, and she loves chocolate cake.")
    kept = memory_block(fake)  # confirmed as kept: the birthday, not the age (6 until then) it brings
    assert "Emma's birthday is March 14" in kept and "Emma likes chocolate cake" in kept and "age" not in kept
    assert "don't know" not in _answer(send(client, cid, "When is Emma's birthday?"))


def test_a_question_naming_someone_by_relation_gets_their_facts(client, fake, settings):
    """「提醒我一下我老婆喜欢什么」 had been answered 「这个我还不知道」: 小红's liking was not recalled for
    a question that names her as 老婆."""
    told(client, settings, "我老婆叫小红，她喜欢百合花，对芒果过敏。", "My wife Anna loves tulips.")
    send(client, new(client), "提醒我一下我老婆喜欢什么")
    assert "百合花" in memory_block(fake) and "不知道" not in memory_block(fake)
    send(client, new(client), "Can you remind me what my wife likes?")
    assert "tulips" in memory_block(fake)


def test_a_reminder_by_a_birthday_memory_does_not_hold_says_so(client, fake, settings):
    """「提醒我老婆生日前一天买花」 with her birthday never told had been answered 「还需要您告诉我：内容」."""
    told(client, settings, "我老婆叫小红，她喜欢百合花。", "我爸爸下个月15号过生日。")
    calls = len(fake.calls)
    assert _answer(send(client, new(client), "提醒我老婆生日前一天买花")) == \
        "我还不知道小红的生日。告诉我，我会记住，再按它设提醒。"
    assert _answer(send(client, new(client), "Remind me the day before my birthday to book a table")) == \
        "I don't know your birthday yet. Tell me and I'll remember it, then set the reminder."
    assert len(fake.calls) == calls  # memory said it
    send(client, new(client), "提醒我爸爸生日前一天买蛋糕")  # held: the errand goes on
    cid = new(client)  # said in this conversation, not yet kept: the errand goes on too
    send(client, cid, "朵朵是我女儿，朵朵的生日是3月5日。")
    assert "不知道" not in _answer(send(client, cid, "提醒我朵朵生日前一天买蛋糕"))
    assert "我还不知道" not in _answer(send(client, new(client), "提醒我明天给老婆买生日礼物"))  # no day by it


def test_a_fact_told_of_someone_memory_knows_is_confirmed_as_kept(client, fake, settings):
    """「朵朵的生日是1月9日。」, 朵朵 known from an earlier conversation, had been echoed by the model
    rather than confirmed: the rules read a name only among the people memory knows."""
    told(client, settings, "我女儿叫朵朵。")
    send(client, new(client), "朵朵的生日是1月9日。")
    assert "用户刚说的会记进记忆：朵朵的生日是1月9日" in memory_block(fake)


def test_forget_hides_the_value_from_the_same_conversations_history(client, fake, settings):
    cid = new(client)
    send(client, cid, "My address is 12 Baker Street, London.")
    fake.enqueue("Got it: 12 Baker Street, London.")  # an answer that repeats the address
    send(client, cid, "Name a primary colour.")
    settle(settings)
    calls = len(fake.calls)
    said = answer(send(client, cid, "Forget my address."))
    assert said.startswith("Done, deleted from memory") and "Baker" not in said  # memory's own confirmation
    assert len(fake.calls) == calls
    send(client, cid, "What have we talked about so far?")
    prompt = prompt_of(fake)
    assert "Baker" not in prompt and "[forgotten at the user's request]" in prompt
    assert "primary colour" in prompt  # the rest of the conversation is still there
    # the user still sees what they wrote
    shown = [m["content"] for m in client.get(f"/api/conversations/{cid}").json()["messages"]]
    assert "My address is 12 Baker Street, London." in shown
    # and other conversations, old and new, no longer carry it either
    send(client, new(client), "Where is Baker Street?")
    assert "12 Baker" not in prompt_of(fake)


def test_forget_in_chinese_hides_the_value_from_the_history(client, fake, settings):
    cid = new(client)
    send(client, cid, "我的地址是海淀区中关村大街1号。")
    settle(settings)
    assert "中关村" not in answer(send(client, cid, "忘掉我的地址"))
    send(client, cid, "我们刚才聊了什么？")
    prompt = prompt_of(fake)
    assert "中关村" not in prompt and "[已按用户要求忘记]" in prompt


def test_forget_that_hides_the_last_message_and_its_answer(client, fake, settings):
    cid = new(client)
    send(client, cid, "Hello there.")
    send(client, cid, "My locker code is 4711.")
    settle(settings)
    send(client, cid, "Forget that.")
    send(client, cid, "What was my locker code?")
    prompt = prompt_of(fake)
    assert "4711" not in prompt and "Hello there." in prompt


def test_prompt_text_hides_spans_and_whole_messages(settings):
    m = Message(role="user", content="I live at 7 Elm Road, Leeds, near the park.", meta={"redacted": ["7 elm road"]})
    assert prompt_text(m) == "I live at [forgotten at the user's request], Leeds, near the park."
    assert prompt_text(Message(role="assistant", content="随便", meta={"redacted_all": True})) == "[已按用户要求忘记]"
    assert prompt_text(Message(role="user", content="plain", meta={})) == "plain"


def test_a_deleted_relation_hides_the_persons_name(client, fake, settings):
    cid = new(client)
    send(client, cid, "My wife is called Maria.")
    settle(settings)
    send(client, cid, "Forget what I said about Maria.")
    send(client, cid, "Who is my wife?")
    assert "Maria" not in prompt_of(fake)
    assert not [f for f in client.get("/api/memory").json()["facts"] if "Maria" in f["memory"]]


def test_a_passage_is_recalled_only_for_a_question_about_it(client, fake, settings):
    told(client, settings, "Last summer I went hiking in the Alps with my cousin Jonas.",
         "上周我和同事去苏州出差了。")
    evs = send(client, new(client), "Where did I go hiking?")
    assert "Alps" in memory_block(fake) and "苏州" not in memory_block(fake)
    assert any(s["type"] == "message" and "Alps" in s["text"] for e in evs if e["type"] == "sources"
               for s in e["sources"])
    send(client, new(client), "我上周去哪出差了？")
    assert "苏州" in memory_block(fake) and "Alps" not in memory_block(fake)
    for unrelated in ("What is the capital of France?", "今天天气怎么样？"):
        evs = send(client, new(client), unrelated)
        assert not any(e["type"] == "sources" for e in evs), unrelated


def test_a_question_in_other_words_finds_the_attribute_it_asks_for(client, fake, settings):
    told(client, settings, "I'm from Aberdeen originally.", "I work as a nurse.", "My friend Sam works as a chef.",
         "我的名字是周杰。")
    send(client, new(client), "Where did I grow up?")
    assert "Aberdeen" in memory_block(fake) and "nurse" not in memory_block(fake)
    send(client, new(client), "What do I do for a living?")
    assert "nurse" in memory_block(fake) and "chef" not in memory_block(fake)
    send(client, new(client), "What does Sam do for work?")
    assert "chef" in memory_block(fake) and "nurse" not in memory_block(fake)
    send(client, new(client), "我叫什么？")
    assert "周杰" in memory_block(fake) and "Aberdeen" not in memory_block(fake)


def test_a_question_about_something_forgotten_is_answered_with_forgot_not_a_guess(client, fake, settings):
    told(client, settings, "我住在北京。", "My favourite fruit is mango.")
    send(client, new(client), "忘掉我住在哪")
    send(client, new(client), "Forget my favourite fruit.")
    settle(settings)
    calls = len(fake.calls)
    evs = send(client, new(client), "我住在哪个城市？")
    # memory answers this alone: the model, not called, cannot guess the deleted value back
    assert "忘掉" in answer(evs) and "北京" not in answer(evs)
    evs = send(client, new(client), "What is my favourite fruit?")
    assert "forget" in answer(evs) and "mango" not in answer(evs)
    assert len(fake.calls) == calls
    told(client, settings, "I work as a nurse.")
    calls = len(fake.calls)
    send(client, new(client), "What is my job and my favourite fruit?")  # something known asked too
    block = memory_block(fake)
    assert len(fake.calls) == calls + 1 and "nurse" in block and "forget" in block and "mango" not in block
    # never the value, not even in the user's settings
    assert "北京" not in str(client.get("/api/memory/export").json())
    send(client, new(client), "What is my favourite colour?")  # never forgotten: no such note
    assert "forget" not in fake.calls[-1]["messages"][0].content
    calls = len(fake.calls)
    evs = send(client, new(client), "I live in Porto.")  # told again, not asked: the model answers
    assert len(fake.calls) == calls + 1 and "forget" not in fake.calls[-1]["messages"][0].content
    assert "forget" not in answer(evs)
    settle(settings)
    send(client, new(client), "我住在哪个城市？")  # told again: known again
    assert "Porto" in memory_block(fake) and "忘记" not in memory_block(fake)


def test_a_favourite_asked_by_its_verb_after_forget_is_answered_with_forgot(client, fake, settings):
    told(client, settings, "我最喜欢吃火锅。")
    send(client, new(client), "我最喜欢吃什么？")
    assert "火锅" in memory_block(fake)  # asked by its verb: the favourite food
    send(client, new(client), "忘掉我最喜欢吃的")
    settle(settings)
    calls = len(fake.calls)
    evs = send(client, new(client), "我最喜欢吃什么？")
    assert "忘掉" in answer(evs) and "火锅" not in answer(evs) and len(fake.calls) == calls


def test_a_turn_that_tells_a_fact_is_confirmed_as_kept_and_the_fact_is_learnt(client, fake, settings):
    fake.enqueue("好的，记住了：你对花生过敏。")
    evs = send(client, new(client), "我对花生过敏。")
    assert "用一句话确认" in memory_block(fake) and "你对花生过敏" in memory_block(fake)
    assert _sources(evs) == [{"type": "remembered", "text": "你对花生过敏"}]
    settle(settings)
    facts = client.get("/api/memory").json()["facts"]
    assert [(f["attribute"], f["value"]) for f in facts] == [("allergy", "花生")]
    send(client, new(client), "I live in Berlin, what's it like in winter?")  # asks too: no such note
    assert "Confirm it" not in memory_block(fake) and "remember that" not in memory_block(fake)


def answer(evs) -> str:
    return "".join(e["text"] for e in evs if e["type"] == "text")


def _answer(evs) -> str:
    return "".join(e["text"] for e in evs if e["type"] == "text")


def _sources(evs) -> list[dict]:
    return next((e["sources"] for e in evs if e["type"] == "sources"), [])


@pytest.mark.parametrize("question, answer", [
    ("what's the weather in Berlin tomorrow", "Tomorrow in Berlin: 14°C and light rain."),
    ("北京明天天气怎么样", "北京明天晴，最高25度。"),
    ("Tell me the price of a Tesla Model 3", "A Tesla Model 3 costs about 40,000 dollars."),
])
def test_asking_the_same_question_again_recalls_neither_the_old_question_nor_its_answer(
        client, fake, settings, question, answer):
    cid = new(client)
    fake.enqueue(answer)
    send(client, cid, question)
    settle(settings)
    evs = send(client, new(client), question)
    recalled = [s["text"] for s in _sources(evs) if s["type"] == "message"]
    assert not recalled, recalled
    system = fake.calls[-1]["messages"][0].content
    assert answer not in system and answer[:12] not in system


def test_an_answer_made_from_a_services_live_data_is_not_recalled_but_the_users_words_are(client, fake, settings):
    told(client, settings, "I ordered a blue kettle from the Argos shop, order number 4471.")
    cid = new(client)
    fake.enqueue("Order 4471 (blue kettle) is out for delivery and arrives today.")
    send(client, cid, "Check order 4471 for me")
    with session_scope(settings) as db:  # the engine's record of an answer made from a service's data
        msg = db.scalars(select(Message).where(Message.conversation_id == cid, Message.role == "assistant")).one()
        msg.meta = {**(msg.meta or {}), "dispatch": {"services": ["shopping"], "tools": [
            {"tool": "order_status", "arguments": {"order_id": "4471"}, "ok": True, "action_id": None}]}}
    settle(settings)
    evs = send(client, new(client), "Where is my blue kettle order 4471 now?")
    recalled = [s["text"] for s in _sources(evs) if s["type"] == "message"]
    assert "out for delivery" not in memory_block(fake)
    assert not any("out for delivery" in t for t in recalled)
    assert any("Argos" in t for t in recalled), recalled


def test_a_statement_that_answers_the_question_is_still_recalled(client, fake, settings):
    told(client, settings, "My dentist appointment is on Friday at 3 pm with Dr. Okafor.")
    evs = send(client, new(client), "When is my dentist appointment with Dr. Okafor?")
    assert any("Okafor" in s["text"] for s in _sources(evs) if s["type"] in ("message", "fact"))
    assert "Friday" in memory_block(fake)


@pytest.mark.parametrize("said, question", [
    ("When I was young I lived in Paris", "Where did I live when I was young?"),
    ("我前几天去了北京", "我前几天去了哪里"),
    ("How I met my wife: at a salsa class in Leeds", "How did I meet my wife?"),
])
def test_a_statement_worded_like_the_question_is_recalled(client, fake, settings, said, question):
    told(client, settings, said)
    evs = send(client, new(client), question)
    assert any(s["type"] == "message" and s["text"] == said for s in _sources(evs)), _sources(evs)


@pytest.fixture
def errands_client(settings, monkeypatch, need):  # type: ignore[no-untyped-def]
    """The API with the service agents on (keywords only: no embedding)."""
    need("crosswoz_beijing", "restaurant_db.json")
    from fastapi.testclient import TestClient

    from banshi.api.app import create_app
    from banshi.config import get_settings

    monkeypatch.setenv("BANSHI_ACTIONS", "true")
    monkeypatch.setenv("BANSHI_ACTIONS_ROUTER", "false")
    get_settings.cache_clear()
    with TestClient(create_app()) as c:
        yield c


def _after_a_restaurant_search(client, settings) -> str:
    """A conversation whose last answer came from restaurant search: the next turn is routed to
    the same service as a follow-up unless its own words name another."""
    cid = new(client)
    send(client, cid, "我最喜欢吃火锅。")
    settle(settings)
    with session_scope(settings) as db:
        last = db.scalars(
            select(Message)
            .where(Message.conversation_id == cid, Message.role == "assistant")
            .order_by(Message.seq.desc())
        ).first()
        last.meta = {**(last.meta or {}), "dispatch": {"services": ["travel"], "tools": []}}
    return cid


def _went_to_services(evs: list[dict], fake) -> bool:
    """The service agents took the turn up: a planning call (JSON schema) or a tool they ran."""
    return any(c["schema"] is not None for c in fake.calls) or any(e["type"] in ("tool", "action") for e in evs)


def test_a_question_about_the_user_that_memory_answers_is_not_an_errands_follow_up(errands_client, fake, settings):
    cid = _after_a_restaurant_search(errands_client, settings)
    fake.calls.clear()
    fake.enqueue("你最喜欢吃火锅。")
    evs = send(errands_client, cid, "我最喜欢吃什么？")
    assert not _went_to_services(evs, fake) and len(fake.calls) == 1
    assert "".join(e["text"] for e in evs if e["type"] == "text") == "你最喜欢吃火锅。"
    assert "火锅" in memory_block(fake)


def test_over_the_openai_endpoint_too_a_question_memory_answers_is_not_an_errands_follow_up(
        errands_client, fake, settings):
    said = [{"role": "user", "content": "我最喜欢吃火锅。"}]
    fake.enqueue("好的，记住了。")
    r = errands_client.post("/v1/chat/completions", json={"model": "banshi", "messages": said})
    assert "你最喜欢的食物是火锅" in memory_block(fake)  # told, not asked: confirmed as kept, no search
    assert all(c["schema"] is None for c in fake.calls)
    settle(settings)
    with session_scope(settings) as db:  # as if that answer had come from restaurant search
        last = db.scalars(select(Message).where(Message.role == "assistant")).one()
        last.meta = {**(last.meta or {}), "dispatch": {"services": ["travel"], "tools": []}}
    fake.calls.clear()
    fake.enqueue("你最喜欢吃火锅。")
    said += [{"role": "assistant", "content": r.json()["choices"][0]["message"]["content"]},
             {"role": "user", "content": "我最喜欢吃什么？"}]  # the client resends the whole history
    r = errands_client.post("/v1/chat/completions", json={"model": "banshi", "messages": said})
    assert r.json()["choices"][0]["message"]["content"] == "你最喜欢吃火锅。"
    assert len(fake.calls) == 1 and fake.calls[0]["schema"] is None and "火锅" in memory_block(fake)


@pytest.mark.parametrize("text", ["附近还有别的吗？", "我最喜欢吃什么？帮我找一家火锅餐厅"])
def test_other_follow_ups_and_named_errands_still_reach_the_service_agents(errands_client, fake, settings, text):
    cid = _after_a_restaurant_search(errands_client, settings)
    fake.calls.clear()
    evs = send(errands_client, cid, text)
    assert _went_to_services(evs, fake)


def test_the_answer_to_the_turn_that_told_a_fact_leaves_the_prompt_of_a_question_about_it(client, fake, settings):
    cid = new(client)
    fake.enqueue("我是来自阿里云的智能助手。")  # a small model's misreading of the statement
    send(client, cid, "我是一名小学老师。")
    send(client, cid, "17乘以3等于多少？")  # computed, no model: "17 × 3 = 51"
    settle(settings)
    send(client, cid, "我是做什么工作的？")
    asked = fake.calls[-1]["messages"]
    assert "小学老师" in memory_block(fake)  # memory states it
    said = [m.content for m in asked[1:]]  # the user's words, not the misread answer
    assert said == ["我是一名小学老师。", "17乘以3等于多少？", "17 × 3 = 51", "我是做什么工作的？"]
    send(client, cid, "说出一种三原色。")  # not about the user: the whole conversation
    assert "我是来自阿里云的智能助手。" in [m.content for m in fake.calls[-1]["messages"]]


def test_a_chinese_answer_about_the_user_begins_with_you(client, fake, settings, monkeypatch):
    # the local model continues a last assistant message; it answers the question "as the user" otherwise
    monkeypatch.setattr(fake, "continues_answer", True)
    told(client, settings, "我是一名小学老师。")
    cid = new(client)
    fake.enqueue("。")
    evs = send(client, cid, "我是做什么工作的？")  # the fact asked for begins it
    last = fake.calls[-1]["messages"][-1]
    assert (last.role, last.content) == ("assistant", "你的职业是小学老师")
    assert "".join(e["text"] for e in evs if e["type"] == "text") == "你的职业是小学老师。"
    stored = client.get(f"/api/conversations/{cid}").json()["messages"][-1]
    assert stored["content"] == "你的职业是小学老师。"
    # not for a question about something else, nor in English
    send(client, cid, "说出一种三原色。")
    assert fake.calls[-1]["messages"][-1].role == "user"
    told(client, settings, "I am a nurse.")
    send(client, new(client), "What is my job?")
    assert fake.calls[-1]["messages"][-1].role == "user"


def test_a_question_about_someone_the_user_told_of_begins_with_their_name(client, fake, settings, monkeypatch):
    """「乐乐哪天过生日？他喜欢什么口味的蛋糕？」, asked in the conversation that told it: the local
    model had answered with the question (「乐乐的生日是哪一天？」), and when begun with 「乐乐」,
    with today's date."""
    monkeypatch.setattr(fake, "continues_answer", True)
    cid = new(client)
    send(client, cid, "我儿子叫乐乐，他12月3日过生日，他最喜欢巧克力蛋糕。")
    send(client, cid, "17乘以3等于多少？")
    settle(settings)
    fake.enqueue("。")
    evs = send(client, cid, "乐乐哪天过生日？他喜欢什么口味的蛋糕？")
    asked = fake.calls[-1]["messages"]  # both asked for, in the order asked
    assert (asked[-1].role, asked[-1].content) == ("assistant", "乐乐的生日是12月3日，乐乐喜欢巧克力蛋糕")
    assert "我儿子叫乐乐，他12月3日过生日，他最喜欢巧克力蛋糕。" in [m.content for m in asked]
    assert not any(m.content.startswith("好的，记住了") for m in asked)  # the telling turn's answer is left out
    assert "".join(e["text"] for e in evs if e["type"] == "text") == "乐乐的生日是12月3日，乐乐喜欢巧克力蛋糕。"
    send(client, new(client), "我儿子叫什么名字？")  # by the relation
    assert fake.calls[-1]["messages"][-1].content == "乐乐是你的儿子"
    send(client, new(client), "乐乐喜欢什么？")  # a taste
    assert fake.calls[-1]["messages"][-1].content == "乐乐喜欢巧克力蛋糕"
    send(client, new(client), "乐乐最近怎么样？")  # no cue of what is asked: whom it is about
    assert fake.calls[-1]["messages"][-1].content == "乐乐"
    send(client, cid, "说出一种三原色。")  # not about them
    assert fake.calls[-1]["messages"][-1].role == "user"


def test_a_backend_that_would_answer_it_gets_no_start(client, fake, settings):
    told(client, settings, "我是一名小学老师。")
    send(client, new(client), "我是做什么工作的？")
    assert fake.calls[-1]["messages"][-1].role == "user"


def test_what_memory_holds_about_the_user_is_listed_as_it_holds_it(client, fake, settings):
    """「你都记得我什么？」 had been answered by the model 「我记得你叫张伟」: 张伟 is the user's friend."""
    told(client, settings, "我最好的朋友叫张伟，他住在成都，最喜欢吃火锅", "我的生日是5月20号")
    calls = len(fake.calls)
    evs = send(client, new(client), "你都记得我什么？")
    said = "".join(e["text"] for e in evs if e["type"] == "text")
    assert said.startswith("我记得这些") and "- 张伟是你的朋友" in said and "- 张伟住在成都" in said
    assert "你的生日是5月20号" in said and "你叫张伟" not in said
    assert len(fake.calls) == calls  # memory answers it, no model call
    told(client, settings, "My wife Anna is allergic to shellfish.")  # each in the language it was told in
    said = "".join(e["text"] for e in send(client, new(client), "你都记得我什么？") if e["type"] == "text")
    assert "- Anna is your wife" in said and "- Anna is allergic to shellfish" in said and "- 张伟住在成都" in said


def test_a_plan_whose_day_has_passed_is_no_longer_recalled_as_one(client, fake, settings, monkeypatch):
    """「我下周五要去北京出差」 was still recalled as 「你…要去北京出差」 after that Friday; read against
    a later today (its year inferred from the day it was told), it is history: the Memory page
    keeps it, the prompt no longer has it."""
    from datetime import date, timedelta

    from banshi.memory import facts, service
    from banshi.store.tables import utcnow

    told(client, settings, "我下周五要去北京出差。")
    calls = len(fake.calls)
    send(client, new(client), "我要去哪里出差来着？")
    assert len(fake.calls) == calls + 1 and "要去北京出差" in memory_block(fake)
    monkeypatch.setattr(service, "utcnow", lambda: utcnow() + timedelta(days=15))
    send(client, new(client), "我要去哪里出差来着？")
    assert len(fake.calls) == calls + 2
    assert "要去北京出差" not in memory_block(fake).split("\n- [")[0]  # no fact (a passage may say it was said)
    plan = next(f for f in client.get("/api/memory").json()["facts"] if "北京出差" in f["memory"])
    assert plan["past"] is False  # (the page's today is the real one here)

    class Later(date):
        @classmethod
        def today(cls):
            return date.fromordinal(date.today().toordinal() + 15)

    monkeypatch.setattr(facts, "date", Later)
    plan = next(f for f in client.get("/api/memory").json()["facts"] if "北京出差" in f["memory"])
    assert plan["past"] is True  # still listed, marked as gone by
