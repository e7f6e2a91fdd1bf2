"""The skills and images routes, with the scripted fake model behind them."""

from __future__ import annotations

import base64
import io
import json

from PIL import Image

PROGRAM = "```python\ndef solution():\n    return 3 * 4\n```"
CHECK = "```python\ndef solution():\n    return 4 * 3\n```"  # another program, the same answer
SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#00f"/>'
       '<circle cx="5" cy="5" r="2" fill="#fff"/></svg>')


def _events(resp) -> list[dict]:
    return [json.loads(line[6:]) for line in resp.text.splitlines() if line.startswith("data: ")]


def test_list_skills(client):
    body = client.get("/api/skills").json()
    names = {s["name"] for s in body["writing"]}
    assert {"email", "summary", "polish", "continue", "expand", "shorten", "tone", "social_post"} <= names
    assert "zh" in body["languages"]


def test_homework_json(client, fake):
    fake.enqueue(PROGRAM, CHECK, "1. 3 × 4 = 12\n答：12")
    body = client.post("/api/skills/homework", json={"problem": "每盒3支笔，4盒一共几支？"}).json()
    assert body["answer"] == "12" and body["verified"] and body["language"] == "zh"
    assert body["explanation"].startswith("1. 3 × 4")


def test_homework_stream(client, fake):
    fake.enqueue(PROGRAM, CHECK, "Step: 3 × 4 = 12")
    resp = client.post("/api/skills/homework", json={"problem": "3 boxes of 4 pens: how many?", "stream": True})
    assert resp.headers["content-type"].startswith("text/event-stream")
    events = _events(resp)
    assert [e["stage"] for e in events if e["type"] == "stage"] == ["solving", "explaining"]
    assert events[-1]["type"] == "result" and events[-1]["result"]["answer"] == "12"


def test_homework_bad_input(client):
    assert client.post("/api/skills/homework", json={}).json()["error"]["code"] == "invalid_input"
    r = client.post("/api/skills/homework", json={"image_base64": "@@not base64@@"})
    assert r.status_code == 400


def test_homework_photo_that_is_not_an_image(client):
    r = client.post("/api/skills/homework/photo", files={"file": ("x.png", b"not an image", "image/png")})
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_image"


def test_write_and_stream(client, fake):
    fake.enqueue("Subject: Hello\n\nDear team, …")
    r = client.post("/api/skills/write", json={"skill": "email", "text": "say hello", "params": {"tone": "formal"}})
    assert r.json()["text"].startswith("Subject: Hello")
    fake.enqueue("A shorter text.")
    events = _events(client.post("/api/skills/write",
                                 json={"skill": "shorten", "text": "A long text.", "stream": True}))
    assert "".join(e["text"] for e in events if e["type"] == "delta") == "A shorter text."
    bad = client.post("/api/skills/write", json={"skill": "email", "text": "x", "params": {"tone": "rude"}})
    assert bad.status_code == 400


def test_translate(client, fake):
    fake.enqueue("你好，世界")
    body = client.post("/api/skills/translate",
                       json={"text": "Hello, world\n\n```\ncode()\n```\n"}).json()
    assert body["source"] == "en" and body["target"] == "zh"
    assert body["text"] == "你好，世界\n\n```\ncode()\n```\n"


def test_images_generation_b64_and_url(client, fake):
    fake.enqueue(SVG)
    body = client.post("/v1/images/generations", json={"prompt": "a blue square icon", "size": "64x64"}).json()
    png = base64.b64decode(body["data"][0]["b64_json"])
    with Image.open(io.BytesIO(png)) as im:
        assert im.size == (64, 64) and im.convert("RGB").getpixel((4, 4)) == (0, 0, 255)
        assert im.convert("RGB").getpixel((32, 32)) == (255, 255, 255)
    fake.enqueue(SVG)
    body = client.post("/v1/images/generations",
                       json={"prompt": "a blue square", "response_format": "url", "size": "32x32"}).json()
    url = body["data"][0]["url"]
    got = client.get(url)
    assert got.status_code == 200 and got.headers["content-type"] == "image/png"
    assert client.get("/v1/images/files/" + "0" * 32 + ".png").status_code == 404


def test_chart_route_and_chart_prompt(client):
    r = client.post("/api/images/chart", json={"kind": "pie", "labels": ["a", "b"], "values": [1, 3], "format": "svg"})
    assert "75.0%" in r.text and r.headers["content-type"].startswith("image/svg+xml")
    body = client.post("/v1/images/generations", json={"prompt": "bar chart: Mon 3, Tue 5, Wed 2"}).json()
    assert body["banshi"]["sources"] == ["chart"]
    assert client.post("/api/images/chart", json={"labels": ["a"], "values": [1, 2]}).status_code == 400
