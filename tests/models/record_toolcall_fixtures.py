"""Records real replies of the local model to tool-using prompts, for the parser tests.

    python -m tests.models.record_toolcall_fixtures [--model NAME] [--out FILE]

Runs the configured local model (default: Qwen2.5-Coder-1.5B-Instruct Q4_K_M) with the prompt
that ``LocalBackend`` builds for tools, and saves the raw text of each reply, unparsed. The
expected calls in ``test_toolcalls.py`` were written by reading these outputs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from banshi.config import Settings
from banshi.messages import Message, ToolCall
from banshi.models.local import LocalBackend

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get the current weather for a city",
            "parameters": {
                "type": "object",
                "properties": {
                    "city": {"type": "string", "description": "city name"},
                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                },
                "required": ["city"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "search_restaurants",
            "description": "Search restaurants near a place",
            "parameters": {
                "type": "object",
                "properties": {
                    "location": {"type": "string"},
                    "cuisine": {"type": "string"},
                    "max_results": {"type": "integer"},
                },
                "required": ["location"],
            },
        },
    },
]

PROMPTS = [
    ("en-weather", "What's the weather like in Paris today?"),
    ("zh-weather", "北京今天天气怎么样？"),
    ("en-restaurants", "Find me three Sichuan restaurants near Wudaokou."),
    ("zh-restaurants", "帮我找一下西湖附近的杭帮菜馆，最多5家。"),
    ("en-both", "I'm going to Shanghai: what's the weather there, and can you suggest some dumpling places?"),
    ("zh-both", "明天去成都，查一下成都的天气，再推荐几家火锅店。"),
    ("en-none", "Write a Python function that reverses a string."),
    ("zh-none", "你好，请介绍一下你自己。"),
]


FOLLOW_UPS = [
    (
        "en-weather-answer",
        "What's the weather like in Paris today?",
        ("get_weather", {"city": "Paris"}),
        {"city": "Paris", "temperature": 18, "condition": "light rain"},
    ),
    (
        "zh-weather-answer",
        "北京今天天气怎么样？",
        ("get_weather", {"city": "北京"}),
        {"city": "北京", "temperature": 3, "condition": "晴", "wind": "北风3级"},
    ),
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(Path(__file__).parent / "fixtures" / "toolcall_outputs.json"))
    ap.add_argument("--max-tokens", type=int, default=160)
    ap.add_argument("--model", default="", help="packaged model name or GGUF path (default: the configured one)")
    args = ap.parse_args()
    settings = Settings(local_model=args.model) if args.model else Settings()
    backend = LocalBackend(settings)
    server = backend._ensure()
    records = []
    for temperature in (0.0, 0.7):
        for key, prompt in PROMPTS:
            body, _ = backend.build_request(
                [Message("user", prompt)], tools=TOOLS, max_tokens=args.max_tokens, temperature=temperature
            )
            raw = []
            for data in backend._chunks(server, body, None):
                for choice in data.get("choices") or []:
                    raw.append((choice.get("delta") or {}).get("content") or "")
            text = "".join(raw)
            print(f"== {key} t={temperature}\n{text}\n")
            records.append(
                {
                    "id": f"{key}-t{temperature}",
                    "prompt": prompt,
                    "temperature": temperature,
                    "model": backend.model_name,
                    "raw": text,
                }
            )
    # a second turn: the tool's result is given back and the model should answer in words
    for key, prompt, call, result in FOLLOW_UPS:
        msgs = [
            Message("user", prompt),
            Message("assistant", "", tool_calls=[ToolCall(name=call[0], arguments=call[1], id="call_1")]),
            Message("tool", json.dumps(result, ensure_ascii=False), tool_call_id="call_1"),
        ]
        body, _ = backend.build_request(msgs, tools=TOOLS, max_tokens=args.max_tokens, temperature=0.0)
        text = "".join(
            (c.get("delta") or {}).get("content") or ""
            for data in backend._chunks(server, body, None)
            for c in data.get("choices") or []
        )
        print(f"== {key}\n{text}\n")
        records.append({"id": key, "prompt": prompt, "temperature": 0.0, "model": backend.model_name, "raw": text})
    system = backend.build_request([Message("user", "")], tools=TOOLS)[0]["messages"][0]["content"]
    Path(args.out).write_text(
        json.dumps({"system_prompt": system, "tools": TOOLS, "outputs": records}, ensure_ascii=False, indent=1) + "\n"
    )
    backend.close()


if __name__ == "__main__":
    main()
