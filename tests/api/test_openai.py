"""The OpenAI-compatible API, driven by the official ``openai`` package over real HTTP."""

import openai
import pytest

from banshi.messages import Completion, ToolCall


@pytest.fixture
def oai(live_server) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{live_server}/v1", api_key="any-key-works-locally")


def test_models_lists_the_assistant_and_the_backend(oai):
    ids = [m.id for m in oai.models.list()]
    assert ids[0] == "banshi" and "fake" in ids


def test_non_streaming_completion(oai, fake):
    fake.enqueue("Hello from Banshi.")
    r = oai.chat.completions.create(model="banshi", messages=[{"role": "user", "content": "hi"}])
    assert r.choices[0].message.content == "Hello from Banshi."
    assert r.choices[0].finish_reason == "stop"
    assert r.usage.completion_tokens > 0


def test_streaming_completion(oai, fake):
    fake.enqueue("one two three four")
    stream = oai.chat.completions.create(model="banshi", stream=True,
                                         messages=[{"role": "user", "content": "count"}])
    chunks = [c.choices[0].delta.content for c in stream if c.choices and c.choices[0].delta.content]
    assert len(chunks) == 4 and "".join(chunks) == "one two three four"


def test_plain_backend_id_passes_messages_through(oai, fake):
    oai.chat.completions.create(model="fake", messages=[{"role": "system", "content": "be terse"},
                                                        {"role": "user", "content": "x"}])
    sent = fake.calls[-1]["messages"]
    assert [(m.role, m.content) for m in sent] == [("system", "be terse"), ("user", "x")]


def test_banshi_model_adds_its_own_system_prompt_and_keeps_the_callers(oai, fake):
    oai.chat.completions.create(model="banshi", messages=[{"role": "system", "content": "Reply in haiku."},
                                                          {"role": "user", "content": "x"}])
    system = fake.calls[-1]["messages"][0]
    assert system.role == "system" and "Banshi" in system.content and "Reply in haiku." in system.content


def test_tool_calls_come_back_in_openai_shape(oai, fake):
    fake.enqueue(Completion(tool_calls=[ToolCall("get_weather", {"city": "北京"}, "call_1")]))
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}}}}]
    r = oai.chat.completions.create(model="fake", tools=tools, messages=[{"role": "user", "content": "天气"}])
    call = r.choices[0].message.tool_calls[0]
    assert r.choices[0].finish_reason == "tool_calls"
    assert call.function.name == "get_weather" and call.function.arguments == '{"city": "北京"}'


def test_reasoning_content_is_streamed_apart(oai, fake):
    fake.enqueue(Completion(text="4", reasoning="2+2"))
    stream = oai.chat.completions.create(model="banshi", stream=True, extra_body={"enable_thinking": True},
                                         messages=[{"role": "user", "content": "How many legs has a dog?"}])
    reasoning, content = "", ""
    for c in stream:
        d = c.choices[0].delta if c.choices else None
        reasoning += getattr(d, "reasoning_content", None) or "" if d else ""
        content += d.content or "" if d else ""
    assert (reasoning, content) == ("2+2", "4")


def test_errors_are_openai_shaped(oai):
    with pytest.raises(openai.NotFoundError) as e:
        oai.chat.completions.create(model="gpt-nope", messages=[{"role": "user", "content": "x"}])
    assert e.value.body["code"] == "model_not_found"
    with pytest.raises(openai.BadRequestError):
        oai.chat.completions.create(model="banshi", messages=[])


def _photo_url(text: str) -> str:
    import base64

    from bench.math import render_photo

    return "data:image/png;base64," + base64.b64encode(render_photo(text, seed=2)).decode()


def test_a_photo_in_the_request_is_read_into_the_prompt(oai, fake):
    pytest.importorskip("rapidocr_onnxruntime")
    fake.enqueue("一道关于苹果的题。")
    content = [{"type": "text", "text": "照片上写了什么？"},
               {"type": "image_url", "image_url": {"url": _photo_url("小明有15个苹果，吃了3个。还剩几个？")}}]
    r = oai.chat.completions.create(model="banshi", messages=[{"role": "user", "content": content}])
    assert r.choices[0].message.content == "一道关于苹果的题。"
    asked = fake.calls[-1]["messages"][-1].content
    assert asked.startswith("照片上写了什么？") and "OCR" in asked and "苹果" in asked


def test_a_photo_sent_to_be_solved_goes_to_the_homework_solver(oai, fake):
    pytest.importorskip("rapidocr_onnxruntime")
    program = "```python\ndef solution():\n    return 15 - 3\n```"
    fake.enqueue(program, program.replace("15 - 3", "-3 + 15"), "15 - 3 = 12。")
    content = [{"type": "text", "text": "这道题怎么做？"},
               {"type": "image_url", "image_url": {"url": _photo_url("小明有15个苹果，吃了3个。还剩几个？")}}]
    r = oai.chat.completions.create(model="banshi", messages=[{"role": "user", "content": content}])
    text = r.choices[0].message.content
    assert text.startswith("题目（从照片读到）：") and text.endswith("答案：12（已验算：2 个独立的解法得出同一个答案）")


@pytest.mark.parametrize(("url", "code"), [
    ("https://example.com/cat.png", "image_url_not_inline"),  # never fetched
    ("data:image/png;base64,bm90IGFuIGltYWdl", None),  # "not an image"
])
def test_an_image_that_cannot_be_read_is_a_clear_error(oai, fake, url, code):
    content = [{"type": "text", "text": "what is this?"}, {"type": "image_url", "image_url": {"url": url}}]
    with pytest.raises(openai.BadRequestError) as e:
        oai.chat.completions.create(model="banshi", messages=[{"role": "user", "content": content}])
    assert code is None or e.value.body["code"] == code
    assert fake.calls == []
