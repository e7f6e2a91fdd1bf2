"""Context within a token budget: the newest turn is never cut, older turns fold into a summary."""

from banshi.chat import context
from banshi.messages import Message
from banshi.models.fake import FunctionBackend, ScriptedBackend


def test_newest_message_is_kept_whole_even_over_budget():
    backend = ScriptedBackend()
    huge = Message("user", "word " * 5000)
    fitted = context.fit_history(backend, [Message("user", "old"), Message("assistant", "reply"), huge], 100)
    assert fitted.messages == [huge]
    assert [m.content for m in fitted.folded] == ["old", "reply"]


def test_recent_turns_fit_in_order():
    backend = ScriptedBackend()
    history = [Message("user" if i % 2 == 0 else "assistant", f"message {i} " * 20) for i in range(20)]
    fitted = context.fit_history(backend, history, 300)
    assert fitted.messages == history[-len(fitted.messages):]
    assert fitted.folded == history[: len(history) - len(fitted.messages)]
    assert 2 <= len(fitted.messages) < 20


def test_language_detection():
    assert context.is_chinese("我搬到上海了")
    assert context.is_chinese("帮我 translate 这句话到英文")
    assert not context.is_chinese("What's the weather in 北京?")


def test_long_conversation_folds_into_a_rolling_summary(client, settings, fake, monkeypatch):
    monkeypatch.setattr(settings, "context_tokens", 120)

    def answer(messages, **_):
        last = messages[-1].content
        if last.startswith("Update the running summary"):
            return "SUMMARY: the user's cat is called Mochi."
        return "ok"

    fake.fn = answer
    cid = client.post("/api/conversations", json={}).json()["id"]
    for text in ["My cat is called Mochi."] + [f"unrelated question number {i} " * 3 for i in range(8)]:
        with client.stream("POST", f"/api/conversations/{cid}/messages", json={"content": text}) as r:
            r.read()
    system = fake.calls[-1]["messages"][0].content
    assert "SUMMARY: the user's cat is called Mochi." in system
    sent = [m.content for m in fake.calls[-1]["messages"][1:]]
    assert "My cat is called Mochi." not in sent and sent[-1].startswith("unrelated question number 7")


def test_summary_call_gets_the_folded_turns():
    seen = []

    def fn(messages, **_):
        seen.append(messages[-1].content)
        return "new summary"

    out = context.fold_into_summary(FunctionBackend(fn), "old summary", [Message("user", "I live in Hangzhou")])
    assert out == "new summary" and "old summary" in seen[0] and "I live in Hangzhou" in seen[0]


def test_without_told_drops_the_answers_to_the_telling_turns_never_the_users_words():
    said = [
        ("user", "I work as a nurse."),
        ("assistant", "I am Banshi."),
        ("user", "Name a colour."),
        ("assistant", "Red."),
        ("user", "I live in Oslo."),
        ("user", "What is my job?"),
    ]
    messages = [Message(r, c) for r, c in said]  # type: ignore[arg-type]
    ids = [f"m{i}" for i in range(len(said))]
    kept = context.without_told(messages, ids, {"m0", "m4"})
    assert [m.content for m in kept] == [
        "I work as a nurse.",
        "Name a colour.",
        "Red.",
        "I live in Oslo.",
        "What is my job?",
    ]
    assert context.without_told(messages, ids, {"m2"}) == messages[:3] + messages[4:]
    assert context.without_told(messages, ids, {"m5", "m1"}) == messages  # only answers to the user's turns
    assert context.without_told(messages, ids, set()) == messages
