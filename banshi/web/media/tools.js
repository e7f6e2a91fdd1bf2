// The chat's media tools, installed on a chat page by installMediaTools(page):
//   attach      upload a document or photo to /v1/files; while a file is attached, what the user
//               sends is a question about it: a normal stored turn carrying the file ids, answered
//               with the excerpts it cites (photos are read with OCR on the server, and seen by a
//               vision model when one is configured)
//   microphone  MediaRecorder → POST /v1/audio/transcriptions → the text into the input box
//   read aloud  on each finished answer: the browser's speech voices when it has them, else
//               POST /v1/audio/speech and play the WAV
//   voice chat  a toggle: what the microphone hears is sent once transcribed (recording stops
//               by itself after a pause), the answer is read aloud, then the microphone listens
//               again — a spoken conversation, hands free
import { api, ApiError } from "../lib/api.js";
import { h, icon, iconButton } from "../lib/dom.js";
import { toastError } from "../lib/toast.js";
import { lang, t } from "../i18n/index.js";
import { onMeta } from "../chat/renderers.js";

const SVG = {
  clip: '<path d="M20 11.5 12.5 19a5 5 0 0 1-7-7L13 4.5a3.3 3.3 0 0 1 4.7 4.7l-7.4 7.4a1.7 1.7 0 0 1-2.4-2.4L14.5 7.6"/>',
  mic: '<rect x="9" y="3" width="6" height="11" rx="3"/><path d="M5 11a7 7 0 0 0 14 0M12 18v3"/>',
  speaker: '<path d="M4 9h4l5-4v14l-5-4H4z"/><path d="M16.5 8.5a5 5 0 0 1 0 7M19 6a8.5 8.5 0 0 1 0 12"/>',
  wave: '<path d="M4 10v4M8 7v10M12 4v16M16 7v10M20 10v4"/>',
};

function svgIcon(name, size = 16) {
  const span = icon("none", size);
  span.className = `icon icon-${name}`;
  span.querySelector("svg").innerHTML = SVG[name];
  return span;
}

// -- attachments ------------------------------------------------------------------------------
class Attachments {
  constructor(page) {
    this.page = page;
    this.files = []; // {id, filename}
    this.row = h("div.attachments", { hidden: true });
    page.composer.input.before(this.row);
    this.picker = h("input.attach-input", {
      type: "file", hidden: true, multiple: true,
      accept: ".txt,.md,.csv,.pdf,.docx,.xlsx,.pptx,.html,.json,image/*",
      onchange: () => this.upload([...this.picker.files]),
    });
    this.button = h("button.chip.attach-btn", {
      type: "button", title: t("media.attachHint"), onclick: () => this.picker.click(),
    }, svgIcon("clip"), h("span", {}, t("media.attach")));
    page.composer.addTool(this.button);
    page.composer.addTool(this.picker);
  }

  async upload(files) {
    this.picker.value = "";
    for (const file of files) {
      const chip = h("span.attachment.busy", { title: t("media.uploading") }, file.name);
      this.row.append(chip);
      this.row.hidden = false;
      try {
        const form = new FormData();
        form.append("file", file, file.name);
        form.append("purpose", "assistants");
        const stored = await api("/v1/files", { method: "POST", body: form });
        const entry = { id: stored.id, filename: stored.filename || file.name };
        this.files.push(entry);
        chip.classList.remove("busy");
        chip.title = t("media.attached");
        chip.dataset.id = entry.id;
        chip.append(iconButton("close", t("media.remove"), () => this.remove(entry, chip), { size: 12, cls: "attachment-remove" }));
      } catch (err) {
        chip.remove();
        toastError(err);
      }
    }
    this.row.hidden = this.row.children.length === 0;
    this.page.composer.input.placeholder = this.files.length ? t("media.askPlaceholder") : t("chat.placeholder");
    this.page.composer.focus();
  }

  remove(entry, chip) {
    this.files = this.files.filter((f) => f !== entry);
    chip.remove();
    this.row.hidden = this.row.children.length === 0;
    if (!this.files.length) this.page.composer.input.placeholder = t("chat.placeholder");
  }
}

// A question about files is a stored turn (POST /api/conversations/{id}/messages with
// `attachments`): the user message's meta names the files, the answer's meta holds the excerpts
// it cites. Both render live and after a reload.
onMeta("attachments", (view, files) => {
  if (!Array.isArray(files) || !files.length) return;
  view.el.classList.add("file-question");
  view.main.querySelector(":scope > .attachment-names")?.remove();
  view.main.prepend(h("div.attachment-names", {}, svgIcon("clip", 14), files.map((f) => f.filename).join(", ")));
});

onMeta("citations", (view, cited) => {
  view.el.classList.add("file-answer");
  if (!Array.isArray(cited) || !cited.length) return;
  view.setExtra("citations", h("div.sources.citations", {},
    h("span.sources-label", {}, svgIcon("clip", 14), t("media.citations")),
    ...cited.map((c) => {
      const where = [c.source, c.location].filter(Boolean).join(" · ");
      return h("span.source-chip", { title: c.quote || where }, `[${c.n}] ${where}`);
    })));
});

// -- microphone -------------------------------------------------------------------------------
// While recording with `untilPause`, the loudness of what is heard is measured: once speech has
// been heard, a pause of PAUSE_MS ends the recording (as it does after MAX_RECORDING_MS).
const PAUSE_MS = 1500;
const MAX_RECORDING_MS = 60_000;
const SPEECH_LEVEL = 0.02; // RMS of a voice near the microphone; silence is under half of it

class Microphone {
  constructor(page) {
    this.page = page;
    this.onText = (text) => {
      const composer = this.page.composer;
      const before = composer.text;
      composer.setText(before && !/\s$/.test(before) ? `${before} ${text}` : before + text);
      composer.focus();
    };
    this.button = h("button.chip.mic-btn", {
      type: "button", title: t("media.mic"), "aria-label": t("media.mic"), "aria-pressed": "false",
      onclick: () => (this.recorder ? this.stop() : this.start()),
    }, svgIcon("mic"));
    page.composer.addTool(this.button);
  }

  async start({ untilPause = false } = {}) {
    if (this.recorder) return;
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (err) {
      toastError(new Error(t("media.micDenied")));
      return;
    }
    const chunks = [];
    const recorder = new MediaRecorder(stream);
    recorder.addEventListener("dataavailable", (e) => e.data.size && chunks.push(e.data));
    recorder.addEventListener("stop", () => {
      stream.getTracks().forEach((track) => track.stop());
      this.transcribe(new Blob(chunks, { type: recorder.mimeType || "audio/webm" }));
    });
    this.recorder = recorder;
    recorder.start();
    this.show(true);
    if (untilPause) this.stopAfterPause(stream, recorder);
  }

  stopAfterPause(stream, recorder) {
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    context.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const started = performance.now();
    let heard = false;
    let quietSince = null;
    const timer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      const level = Math.sqrt(samples.reduce((sum, x) => sum + x * x, 0) / samples.length);
      const now = performance.now();
      if (level >= SPEECH_LEVEL) {
        heard = true;
        quietSince = null;
      } else if (level < SPEECH_LEVEL / 2) {
        quietSince ??= now;
      }
      const paused = heard && quietSince !== null && now - quietSince >= PAUSE_MS;
      if (paused || now - started >= MAX_RECORDING_MS || this.recorder !== recorder) {
        clearInterval(timer);
        context.close();
        if (this.recorder === recorder) this.stop();
      }
    }, 100);
  }

  stop() {
    const recorder = this.recorder;
    this.recorder = null;
    this.show(false);
    if (recorder && recorder.state !== "inactive") recorder.stop();
  }

  show(recording) {
    this.button.classList.toggle("recording", recording);
    this.button.setAttribute("aria-pressed", String(recording));
    const label = recording ? t("media.micStop") : t("media.mic");
    this.button.title = label;
    this.button.setAttribute("aria-label", label);
  }

  async transcribe(blob) {
    if (!blob.size) return;
    this.button.disabled = true;
    this.button.classList.add("busy");
    let text = "";
    try {
      const form = new FormData();
      const ext = (blob.type.split("/")[1] || "webm").split(";")[0];
      form.append("file", blob, `speech.${ext}`);
      form.append("model", "whisper-1");
      const result = await api("/v1/audio/transcriptions", { method: "POST", body: form });
      text = (result.text || "").trim();
      if (!text) toastError(new Error(t("media.micNothing")));
    } catch (err) {
      toastError(err);
    } finally {
      this.button.disabled = false;
      this.button.classList.remove("busy");
    }
    if (text) this.onText(text);
  }
}

// -- voice chat -------------------------------------------------------------------------------
class VoiceChat {
  constructor(page, microphone) {
    Object.assign(this, { page, microphone, on: false });
    this.button = h("button.chip.voice-btn", {
      type: "button", title: t("media.voiceHint"), "aria-pressed": "false", onclick: () => this.toggle(),
    }, svgIcon("wave"), h("span", {}, t("media.voice")));
    page.composer.addTool(this.button);
    const fill = microphone.onText;
    microphone.onText = (text) => (this.on ? this.converse(text) : fill(text));
  }

  toggle() {
    this.on = !this.on;
    this.button.setAttribute("aria-pressed", String(this.on));
    this.button.classList.toggle("on", this.on);
    if (this.on) this.microphone.start({ untilPause: true });
    else {
      this.microphone.stop();
      stopReading();
    }
  }

  /** Send what was said, read the answer aloud, then listen again (while voice chat is on). */
  async converse(text) {
    const typed = this.page.composer.text.trim();
    await this.page.send(typed ? `${typed} ${text}` : text);
    const answers = this.page.thread.querySelectorAll(".msg-assistant:not(.streaming) .msg-content");
    const answer = answers[answers.length - 1]?.innerText || "";
    if (this.on && answer.trim()) await readAloud(answer, this.button);
    if (this.on && !this.page.destroyed) this.microphone.start({ untilPause: true });
  }
}

// -- read aloud -------------------------------------------------------------------------------
let playing = null; // {stop()}

function stopReading() {
  playing?.stop();
  playing = null;
}

/** Read `text` aloud (again on the same button: stop); resolves when the reading has ended. */
async function readAloud(text, button) {
  const wasMine = playing?.button === button;
  stopReading();
  if (wasMine || !text.trim()) return;
  const zh = /[\u4e00-\u9fff]/.test(text);
  const voices = window.speechSynthesis?.getVoices() || [];
  const voice = voices.find((v) => v.lang.toLowerCase().startsWith(zh ? "zh" : lang === "zh" ? "zh" : "en"));
  let ended;
  const finished = new Promise((resolve) => { ended = resolve; });
  const done = () => {
    button.classList.remove("on-air");
    if (playing?.button === button) playing = null;
    ended();
  };
  button.classList.add("on-air");
  if (voice) {
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.voice = voice;
    utterance.lang = voice.lang;
    utterance.onend = done;
    utterance.onerror = done;
    playing = { button, stop: () => { speechSynthesis.cancel(); done(); } };
    speechSynthesis.speak(utterance);
    return finished;
  }
  const controller = new AbortController();
  playing = { button, stop: () => { controller.abort(); audio?.pause(); done(); } };
  let audio = null;
  try {
    const res = await fetch("/v1/audio/speech", {
      method: "POST", credentials: "same-origin", signal: controller.signal,
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ input: text.slice(0, 4096), response_format: "wav" }),
    });
    if (!res.ok) throw new ApiError(res.status, "http_error", `${res.status} ${res.statusText}`);
    const url = URL.createObjectURL(await res.blob());
    audio = new Audio(url);
    audio.addEventListener("ended", () => { URL.revokeObjectURL(url); done(); });
    await audio.play();
  } catch (err) {
    done();
    if (err.name !== "AbortError") toastError(err);
  }
  return finished;
}

function addReadAloud(messageEl) {
  const actions = messageEl.querySelector(":scope > .msg-main > .msg-foot > .msg-actions");
  if (!actions || actions.querySelector(".act-read")) return;
  const button = iconButton("none", t("media.readAloud"), () => {
    const text = messageEl.querySelector(".msg-content")?.innerText || "";
    readAloud(text, button);
  }, { cls: "act-read", size: 16 });
  button.replaceChildren(svgIcon("speaker"));
  actions.prepend(button);
}

/** Called by the chat page once its composer exists. */
export function installMediaTools(page) {
  const attachments = new Attachments(page);
  const voice = navigator.mediaDevices?.getUserMedia && window.MediaRecorder
    ? new VoiceChat(page, new Microphone(page)) : null;
  const onSend = page.composer.handlers.onSend;
  page.composer.handlers.onSend = (text) => {
    if (attachments.files.length) page.send(text, { attachments: attachments.files.map((f) => f.id) });
    else onSend(text);
  };
  // an answer's action bar may be filled in after its message is added: watch the whole thread,
  // touching only action bars that still lack the button
  const addMissing = () => {
    for (const bar of page.thread.querySelectorAll(".msg-assistant > .msg-main > .msg-foot > .msg-actions:not(:has(> .act-read))")) {
      addReadAloud(bar.closest(".msg-assistant"));
    }
  };
  const observer = new MutationObserver(addMissing);
  observer.observe(page.thread, { childList: true, subtree: true });
  addMissing();
  page.cleanups.push(() => {
    observer.disconnect();
    if (voice?.on) voice.toggle(); // leaving the page ends the spoken conversation
    stopReading();
  });
}
