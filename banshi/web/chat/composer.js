// The input bar: a growing textarea (Enter sends, Shift+Enter breaks the line, IME-safe,
// Escape stops a streaming answer),
// a row of tools (the "deep thinking" toggle; attachments or a microphone go here with
// addTool) and one button that sends, or stops while an answer streams.
import { h, icon } from "../lib/dom.js";
import { load, save } from "../lib/storage.js";
import { t } from "../i18n/index.js";

const THINK_KEY = "banshi.think";
const MAX_HEIGHT = 220;

export class Composer {
  /** @param handlers {onSend(text), onStop()} */
  constructor(handlers) {
    this.handlers = handlers;
    this.busy = false;
    this.input = h("textarea.composer-input", {
      rows: 1, placeholder: t("chat.placeholder"), "aria-label": t("chat.placeholder"), enterkeyhint: "send",
    });
    this.button = h("button.send-btn", { type: "submit" });
    this.tools = h("div.composer-tools");
    this.form = h("form.composer", { onsubmit: (e) => this.submit(e) },
      h("div.composer-box", {}, this.input, h("div.composer-bar", {}, this.tools, this.button)),
      h("p.composer-hint", {}, t("chat.hint")));

    this.thinkButton = h("button.chip.think-toggle", { type: "button", onclick: () => this.setThink(!this.think) },
      icon("bulb", 16), h("span", {}, t("chat.think")));
    this.addTool(this.thinkButton);
    this.setThink(load(THINK_KEY) === "1");

    this.input.addEventListener("input", () => this.resize());
    this.input.addEventListener("keydown", (e) => {
      // keyCode 229: a key pressed while an input method (pinyin…) is composing
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        if (!this.busy) this.submit();
      } else if (e.key === "Escape" && this.busy) {
        this.handlers.onStop?.();
      }
    });
    this.setBusy(false);
  }

  get el() {
    return this.form;
  }

  /** Add a control to the left of the send button (e.g. attach, microphone). */
  addTool(element) {
    this.tools.append(element);
  }

  get think() {
    return this.thinkButton.getAttribute("aria-pressed") === "true";
  }

  setThink(on) {
    this.thinkButton.setAttribute("aria-pressed", String(on));
    this.thinkButton.classList.toggle("on", on);
    save(THINK_KEY, on ? "1" : "0");
  }

  submit(event) {
    event?.preventDefault();
    if (this.busy) {
      this.handlers.onStop?.();
      return;
    }
    const text = this.input.value;
    if (!text.trim()) return;
    this.handlers.onSend?.(text);
  }

  setBusy(busy) {
    this.busy = busy;
    this.button.replaceChildren(icon(busy ? "stop" : "send", 18));
    this.button.classList.toggle("stop", busy);
    const label = busy ? t("chat.stop") : t("chat.send");
    this.button.title = label;
    this.button.setAttribute("aria-label", label);
  }

  get text() {
    return this.input.value;
  }

  setText(text) {
    this.input.value = text;
    this.resize();
  }

  clear() {
    this.setText("");
  }

  focus() {
    this.input.focus();
  }

  resize() {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight, MAX_HEIGHT)}px`;
    this.input.style.overflowY = this.input.scrollHeight > MAX_HEIGHT ? "auto" : "hidden";
  }
}
