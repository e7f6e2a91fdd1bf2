"""A math problem typed in the chat is solved by the checked homework skill (programs run in the
sandbox, their answers compared) and a bare calculation is computed exactly, over the
conversation API and the OpenAI-compatible one; any other message is answered by the model as
before. The model's edge is scripted."""

from __future__ import annotations

import openai
import pytest

from banshi.models.fake import ScriptedBackend
from tests.api.test_conversations import new, send

PROGRAM = "```python\ndef solution():\n    return Fraction(24, 4)\n```"
EQUATION = "```python\ndef solution():\n    x = sp.symbols('x')\n    return sp.solve(sp.Eq(4*x, 24), x)[0]\n```"
PROBLEM = "4个苹果一共24元，每个苹果多少元？"


def test_a_math_problem_gets_a_checked_answer_with_its_explanation(client, fake: ScriptedBackend):
    fake.enqueue(PROGRAM, EQUATION, "1. 24 ÷ 4 = 6，每个苹果6元。")
    cid = new(client)
    evs = send(client, cid, PROBLEM)
    stages = [e["stage"] for e in evs if e["type"] == "skill" and "stage" in e]
    assert stages[:1] == ["solving"] and "explaining" in stages
    text = "".join(e["text"] for e in evs if e["type"] == "text")
    assert text.startswith("1. 24 ÷ 4 = 6") and text.endswith("答案：6（已验算：2 个独立的解法得出同一个答案）")
    # both programs saw the problem; the explanation was asked for with the computed answer
    assert all(PROBLEM in c["messages"][-1].content for c in fake.calls[:2])
    assert "Answer: 6" in fake.calls[2]["messages"][-1].content
    stored = client.get(f"/api/conversations/{cid}").json()["messages"][-1]
    assert stored["content"] == text
    skill = stored["meta"]["skill"]
    assert skill["name"] == "homework" and skill["answer"] == "6" and skill["verified"] is True
    assert "Fraction(24, 4)" in skill["program"]


def program(expression: str) -> str:
    return f"```python\ndef solution():\n    return {expression}\n```"


def test_an_answer_the_programs_disagree_on_is_said_to_be_unchecked(client, fake: ScriptedBackend):
    # six independent solutions, no two alike: no answer has a majority
    fake.enqueue(
        program("24 / 4"),
        program("24 * 4"),
        program("24 + 4"),
        "24 + 4 × 19 = 100，答案是100。",
        program("24 + 4 + 2"),
        program("24 * 2 + 4"),
        "可能不对：24 ÷ 4 = 6。",
    )
    evs = send(client, new(client), PROBLEM)
    text = "".join(e["text"] for e in evs if e["type"] == "text")
    assert "没有通过验证" in text  # said plainly, in the problem's language
    result = next(e["result"] for e in evs if e["type"] == "skill" and "result" in e)
    assert result["verified"] is False and result["notice"] in text


def test_when_no_program_gives_an_answer_the_model_answers(client, fake: ScriptedBackend, monkeypatch):
    # every program fails; the conversation's own prompt (the assistant's system prompt) gets an answer
    def model(messages, **_):
        return "每个苹果6元。" if "Banshi" in messages[0].content else program("undefined_name")

    monkeypatch.setattr(fake, "fn", model)
    evs = send(client, new(client), PROBLEM)
    assert "".join(e["text"] for e in evs if e["type"] == "text") == "每个苹果6元。"
    result = next(e["result"] for e in evs if e["type"] == "skill" and "result" in e)
    assert result["answer"] is None and len(fake.calls) > 2


def test_a_follow_up_that_changes_the_problem_is_solved_as_the_changed_problem(client, fake: ScriptedBackend):
    fake.enqueue(PROGRAM, EQUATION, "1. 24 ÷ 4 = 6。")
    cid = new(client)
    send(client, cid, PROBLEM)
    fake.enqueue(program("Fraction(24, 5)"), program("24 / 5"), "1. 24 ÷ 5 = 4.8。")
    evs = send(client, cid, "那如果是5个呢？")
    text = "".join(e["text"] for e in evs if e["type"] == "text")
    assert text.endswith("答案：4.8（已验算：2 个独立的解法得出同一个答案）")
    # the programs were asked for the earlier problem with its change in place
    assert "5个苹果一共24元，每个苹果多少元？" in fake.calls[3]["messages"][-1].content
    # a follow-up without a number is the model's to answer
    fake.enqueue("因为每个苹果的价钱一样。")
    evs = send(client, cid, "那为什么呢？")
    assert "".join(e["text"] for e in evs if e["type"] == "text") == "因为每个苹果的价钱一样。"


def test_a_bare_calculation_is_computed_without_the_model(client, fake: ScriptedBackend):
    cid = new(client)
    evs = send(client, cid, "17乘以3等于多少？")
    assert "".join(e["text"] for e in evs if e["type"] == "text") == "17 × 3 = 51"
    assert fake.calls == []
    skill = client.get(f"/api/conversations/{cid}").json()["messages"][-1]["meta"]["skill"]
    assert (skill["name"], skill["answer"], skill["verified"]) == ("calculator", "51", True)


def test_other_messages_go_to_the_model_alone(client, fake: ScriptedBackend):
    fake.enqueue("Beijing.")
    evs = send(client, new(client), "What is the capital of China?")
    assert not [e for e in evs if e["type"] == "skill"]
    assert "".join(e["text"] for e in evs if e["type"] == "text") == "Beijing."
    assert len(fake.calls) == 1


def test_the_openai_endpoint_solves_it_the_same_way(live_server, fake: ScriptedBackend):
    oai = openai.OpenAI(base_url=f"{live_server}/v1", api_key="local")
    fake.enqueue(PROGRAM, EQUATION, "24 / 4 = 6.")
    r = oai.chat.completions.create(
        model="banshi",
        messages=[{"role": "user", "content": "4 apples cost 24 dollars. How much does one apple cost?"}],
    )
    text = r.choices[0].message.content
    assert text.startswith("24 / 4 = 6.") and text.endswith("Answer: 6 (checked: 2 independent solutions agree)")
    # the plain model id is the model alone: no solver
    fake.enqueue("six")
    r = oai.chat.completions.create(model="fake", messages=[{"role": "user", "content": "What is 24 / 4 = ?"}])
    assert r.choices[0].message.content == "six"


def test_a_photo_sent_to_be_solved_is_read_and_solved(client, fake: ScriptedBackend):
    pytest.importorskip("rapidocr_onnxruntime")
    from bench.math import render_photo

    photo = render_photo("小明有15个苹果，吃了3个。还剩几个？", seed=2)
    file_id = client.post("/v1/files", files={"file": ("problem.png", photo)}).json()["id"]
    fake.enqueue(program("15 - 3"), program("-3 + 15"), "15 - 3 = 12，还剩12个。")
    cid = new(client)
    evs = send(client, cid, "这道题怎么做？", attachments=[file_id])
    text = "".join(e["text"] for e in evs if e["type"] == "text")
    # the text read from the photo is shown first, so a misreading can be seen
    assert text.startswith("题目（从照片读到）：") and "苹果" in text.split("\n")[0]
    assert text.endswith("答案：12（已验算：2 个独立的解法得出同一个答案）")
    assert "苹果" in fake.calls[0]["messages"][-1].content  # the programs were written for the text read
    stored = client.get(f"/api/conversations/{cid}").json()["messages"]
    assert stored[0]["meta"]["attachments"][0]["id"] == file_id and stored[1]["meta"]["skill"]["answer"] == "12"


def test_a_photo_asked_about_otherwise_is_a_question_about_the_file(client, fake: ScriptedBackend):
    pytest.importorskip("rapidocr_onnxruntime")
    from bench.math import render_photo

    photo = render_photo("小明有15个苹果，吃了3个。还剩几个？", seed=2)
    file_id = client.post("/v1/files", files={"file": ("problem.png", photo)}).json()["id"]
    fake.enqueue("照片上是一道关于苹果的题。")
    evs = send(client, new(client), "照片上写了什么？", attachments=[file_id])
    assert not [e for e in evs if e["type"] == "skill"]
    assert "苹果" in fake.calls[-1]["messages"][-1].content  # the OCR excerpt, as for any file question


SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512"><rect width="512" height="512" fill="#cfe8ff"/>'
    '<circle cx="256" cy="256" r="120" fill="#ff9800"/></svg>'
)


def test_a_picture_asked_for_is_drawn_kept_among_the_files_and_shown(client, fake: ScriptedBackend):
    fake.enqueue(SVG)
    cid = new(client)
    evs = send(client, cid, "帮我画一个橙色的太阳")
    assert [e["stage"] for e in evs if e["type"] == "skill" and "stage" in e] == ["drawing"]
    text = "".join(e["text"] for e in evs if e["type"] == "text")
    result = next(e["result"] for e in evs if e["type"] == "skill" and "result" in e)
    assert text.startswith("画好了：") and f"](/v1/files/{result['file_id']}/content)" in text
    assert "<svg" in fake.calls[0]["messages"][0].content  # the model was asked for SVG, which was rasterised
    picture = client.get(f"/v1/files/{result['file_id']}/content")
    assert picture.headers["content-type"] == "image/png" and picture.content.startswith(b"\x89PNG")
    assert picture.headers["x-content-type-options"] == "nosniff"
    stored = client.get(f"/api/conversations/{cid}").json()["messages"][-1]
    assert stored["content"] == text and stored["meta"]["skill"]["name"] == "drawing"


def test_an_uploaded_file_that_is_no_image_only_downloads(client):
    page = client.post("/v1/files", files={"file": ("page.png", b"<html><script>alert(1)</script></html>")}).json()
    r = client.get(f"/v1/files/{page['id']}/content")
    assert r.headers["content-type"] == "application/octet-stream" and r.headers["content-disposition"].startswith(
        "attachment"
    )


def test_a_request_to_translate_goes_to_the_translation_skill(client, fake: ScriptedBackend):
    fake.enqueue("The weather is nice today.")
    evs = send(client, new(client), "翻译成英文：今天天气很好。")
    assert "".join(e["text"] for e in evs if e["type"] == "text") == "The weather is nice today."
    asked = fake.calls[0]["messages"]
    assert "English" in asked[0].content and asked[-1].content.strip().endswith("今天天气很好。")
    result = next(e["result"] for e in evs if e["type"] == "skill" and "result" in e)
    assert (result["source"], result["target"]) == ("zh", "en")


def test_a_recording_sent_in_the_chat_gets_its_minutes_and_transcript(client, fake: ScriptedBackend, tmp_path):
    from tests.media.makers import espeak_wav

    clip = espeak_wav(tmp_path / "meeting.wav", "We decided to move the launch to Friday. Anna will write the notes.",
                      "en-us", 130)
    file_id = client.post("/v1/files", files={"file": ("meeting.wav", clip.read_bytes())}).json()["id"]
    fake.enqueue('{"summary": "The launch moves to Friday.", "decisions": ["Launch on Friday"], '
                 '"action_items": [{"task": "Write the notes", "owner": "Anna", "due": ""}]}')
    cid = new(client)
    evs = send(client, cid, "Minutes please", attachments=[file_id])
    assert [e["stage"] for e in evs if e["type"] == "skill" and "stage" in e][-1] == "summarizing"
    text = "".join(e["text"] for e in evs if e["type"] == "text")
    assert "**Summary**: The launch moves to Friday." in text and "- Launch on Friday" in text
    assert "- Write the notes (owner: Anna)" in text
    assert "[00:00:00]" in text and "friday" in text.lower()  # the transcript, with its times, folded under them
    assert "[00:00:00]" in fake.calls[0]["messages"][-1].content  # the model wrote them from the timestamped transcript
    stored = client.get(f"/api/conversations/{cid}").json()["messages"][-1]
    assert stored["meta"]["skill"]["name"] == "minutes" and stored["meta"]["skill"]["decisions"] == ["Launch on Friday"]
