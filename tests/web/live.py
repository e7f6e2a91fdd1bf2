"""A live Banshi server for the browser tests: uvicorn in a thread.

The app is the real one (``create_app``) with two dependencies overridden: the settings (a
temporary home, small limits) and the chat engine, whose backend is a ``FunctionBackend``
answering from ``answer()`` below — slow enough to watch the text stream, and able to send
markdown, code, math, reasoning, or a failure on demand. A "long" answer stops halfway until
the test calls ``LiveServer.release()`` (or the user stops it), so what a test sees in the
middle of a stream does not depend on how fast a loaded machine streams.
"""

from __future__ import annotations

import itertools
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from banshi.chat.context import Recall
from banshi.config import Settings
from banshi.messages import Completion, Delta, Message
from banshi.models.base import StreamItem
from banshi.models.fake import FunctionBackend

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]

MARKDOWN_ANSWER = r"""## Results

Here is **bold** text and a list:

- first item
- second item

```python
def square(x):
    return x * x
```

Inline math $E = mc^2$ and \(a_1 + b_1\), money stays money: $5 and $6.

$$
\int_0^1 x^2 \, dx = \frac{1}{3}
$$

\[ \sum_{i=1}^{n} i = \frac{n(n+1)}{2} \]

<img src="x" onerror="window.__pwned = true"> <script>window.__pwned = true</script>
"""

DRAWING = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512"><rect width="512" height="512" '
           'fill="#cfe8ff"/><circle cx="256" cy="256" r="120" fill="#ff9800"/></svg>')

MINUTES = ('{"summary": "The launch moves.", "decisions": ["Launch on Friday"], '
           '"action_items": [{"task": "Write the notes", "owner": "Anna", "due": ""}]}')

REASONING = "First I consider what the user asked. Then I check the facts."
#: the "long" answers: 200 words at STEP seconds a word, held after the first HELD_AT words
LONG_WORDS = 200
HELD_AT = LONG_WORDS // 2
STEP = 0.03
#: a held answer goes on by itself after this long (a test that failed before releasing it)
HOLD_S = 60.0


def _answer(counter: Iterator[int]):  # type: ignore[no-untyped-def]
    def answer(messages: list[Message], *, think: bool = False, schema: object = None, **_: object) -> str | Completion:
        last = next((m.content for m in reversed(messages) if m.role == "user"), "")
        n = next(counter)
        if "please fail" in last:
            raise RuntimeError("the fake model broke down")
        if "action_items" in str(schema):  # a recording's minutes
            text = MINUTES
        elif "<svg" in messages[0].content:  # the image skill asks for a drawing
            text = DRAWING
        elif "markdown" in last:
            text = MARKDOWN_ANSWER
        elif "long" in last:
            text = " ".join(f"word{i}" for i in range(LONG_WORDS))
        else:
            text = f"You said: {last} (answer {n})"
        return Completion(text=text, reasoning=REASONING if think else "")

    return answer


def _is_long(messages: list[Message]) -> bool:
    last = next((m.content for m in reversed(messages) if m.role == "user"), "")
    return "long" in last and "markdown" not in last and "please fail" not in last


class HeldBackend(FunctionBackend):
    """The fake backend, with "long" answers held after ``HELD_AT`` words until ``release``."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._gate = threading.Semaphore(0)

    def release(self) -> None:
        self._gate.release()

    def stream(self, messages: list[Message], **kwargs: Any) -> Iterator[StreamItem]:
        cancel: threading.Event | None = kwargs.get("cancel")
        words = 0
        for item in super().stream(messages, **kwargs):
            if isinstance(item, Delta) and item.text and _is_long(messages):
                if words == HELD_AT:
                    deadline = time.monotonic() + HOLD_S
                    while not self._gate.acquire(timeout=0.05):
                        if (cancel is not None and cancel.is_set()) or time.monotonic() > deadline:
                            break
                words += 1
            yield item


class RecallHook:
    """Stands in for memory: recalls one fact when the user mentions "tea"."""

    FACT = {"type": "fact", "id": "f1", "text": "The user drinks green tea"}

    KEPT = {"type": "remembered", "text": "you drink green tea"}

    def recall(self, db: object, *, user_id: str, conversation: object, query: str) -> Recall | None:
        if query.startswith("I drink"):  # told, not asked: memory keeps it
            return Recall("Memory is keeping what the user just said.", [self.KEPT])
        return Recall("The user drinks green tea.", [self.FACT]) if "tea" in query else None

    def on_message(self, db: object, message: object) -> None:
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """``create_app()`` served by uvicorn in a daemon thread."""

    def __init__(self, home: Path, *, multi_user: bool = False):
        import uvicorn

        from banshi.api.app import create_app
        from banshi.api.deps import get_engine, settings_dep
        from banshi.chat.engine import ChatEngine

        self.settings = Settings(home=home, backend="fake", multi_user=multi_user, max_message_chars=2000,
                                 data_dir=home / "no-data")
        self.backend = HeldBackend(_answer(itertools.count(1)), delay=STEP)
        self.app = create_app()
        self.app.dependency_overrides[settings_dep] = lambda: self.settings
        self.app.dependency_overrides[get_engine] = lambda: ChatEngine(self.settings, self.backend, [RecallHook()])
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port,
                                                   log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def release(self) -> None:
        """Let the held "long" answer go on to its end."""
        self.backend.release()

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        if not self.settings.multi_user:
            # Create the local user before the page's parallel first requests do: two of them
            # racing to create it can fail (banshi/api/auth.py local_user; reported, not ours).
            urllib.request.urlopen(self.url + "/api/me", timeout=30).close()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
