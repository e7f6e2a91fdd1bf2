// One message on screen. AssistantMessage renders streamed markdown (re-rendered at most
// once per frame) with an optional "thinking" block; UserMessage can be edited and resent.
import { copyText, flashCopied, h, icon, iconButton } from "../lib/dom.js";
import { renderInto } from "../lib/markdown.js";
import { toastError } from "../lib/toast.js";
import { t } from "../i18n/index.js";
import { renderMeta } from "./renderers.js";

function copyAction(getText) {
  const button = iconButton("copy", t("chat.copy"), async () => {
    try {
      await copyText(getText());
      flashCopied(button);
    } catch (err) {
      toastError(err);
    }
  }, { cls: "act-copy", size: 16 });
  return button;
}

export class AssistantMessage {
  /** @param handlers {onRegenerate(view)} */
  constructor(message, handlers = {}, { streaming = false } = {}) {
    this.message = message;
    this.text = message.content || "";
    this.reasoning = message.reasoning || "";
    this.handlers = handlers;
    this.streaming = streaming;
    this.timer = 0;
    this.dirty = false;
    this.renderCost = 0;
    this.renderedAt = 0;
    this.extras = new Map();

    this.content = h("div.md.msg-content");
    this.extrasEl = h("div.msg-extras");
    this.note = h("span.msg-note");
    this.actions = h("div.msg-actions", {},
      copyAction(() => this.text),
      iconButton("refresh", t("chat.regenerate"), () => this.handlers.onRegenerate?.(this),
        { cls: "act-regenerate", size: 16 }));
    this.main = h("div.msg-main", {}, this.content, this.extrasEl, h("div.msg-foot", {}, this.note, this.actions));
    this.el = h("article.msg.msg-assistant", { dataset: { id: message.id || "" } },
      h("div.msg-avatar", { "aria-hidden": "true" }, h("img", { src: "/static/favicon.svg", alt: "" })),
      this.main);
    this.el.classList.toggle("streaming", streaming);
    this.render();
    if (!streaming) this.applyStored(message);
  }

  applyStored(message) {
    renderMeta(this, message.meta);
    if (message.finish_reason === "cancelled") this.markStopped();
    if (!this.text && !this.reasoning && !message.meta?.error) this.content.textContent = t("chat.emptyAnswer");
  }

  appendText(piece) {
    this.text += piece;
    this.schedule();
  }

  appendReasoning(piece) {
    this.reasoning += piece;
    this.schedule();
  }

  /** The stored message arrived (stream done): it is the source of truth. */
  finish(message) {
    if (!message) return;
    this.message = message;
    this.el.dataset.id = message.id;
    this.text = message.content || "";
    this.reasoning = message.reasoning || "";
    this.streaming = false;
    this.el.classList.remove("streaming");
    this.render();
    this.applyStored(message);
  }

  setStreaming(on) {
    if (on === this.streaming) return;
    this.streaming = on;
    this.el.classList.toggle("streaming", on);
    if (this.thinking) this.updateThinkingLabel();
    if (!on) this.render();
  }

  markStopped() {
    this.note.replaceChildren(h("span.badge", {}, t("chat.stopped")));
  }

  showError(error) {
    this.setExtra("error", h("div.msg-error", { role: "alert" }, icon("alert", 16),
      h("span", {}, error?.message || t("error.generic"))));
  }

  /** Put an element under the answer, replacing any earlier one with the same key. */
  setExtra(key, element) {
    this.extras.get(key)?.remove();
    this.extras.set(key, element);
    this.extrasEl.append(element);
  }

  /** Re-render soon: on the next frame, or later when rendering is slow (a long answer is
   * re-parsed whole each time), so the page never spends most of its time rendering. */
  schedule() {
    this.dirty = true;
    if (this.timer) return;
    const wait = Math.max(0, 3 * this.renderCost - (performance.now() - this.renderedAt));
    this.timer = setTimeout(() => requestAnimationFrame(() => {
      this.timer = 0;
      if (this.dirty) this.render();
    }), wait);
  }

  render() {
    const start = performance.now();
    this.dirty = false;
    this.paint();
    this.renderedAt = performance.now();
    this.renderCost = this.renderedAt - start;
  }

  paint() {
    if (this.reasoning) {
      this.ensureThinking();
      renderInto(this.thinkingBody, this.reasoning, { partial: this.streaming });
      this.updateThinkingLabel();
    }
    if (this.text) renderInto(this.content, this.text, { partial: this.streaming });
    else if (this.streaming && !this.reasoning) this.content.replaceChildren(h("span.typing", {}, h("i"), h("i"), h("i")));
    else this.content.replaceChildren();
  }

  ensureThinking() {
    if (this.thinking) return;
    this.thinkingLabel = h("span.thinking-label");
    this.thinkingBody = h("div.md.thinking-body");
    this.thinking = h("details.thinking", { open: this.streaming },
      h("summary", {}, icon("bulb", 15), this.thinkingLabel, icon("chevron", 14)), this.thinkingBody);
    this.main.prepend(this.thinking);
  }

  updateThinkingLabel() {
    const active = this.streaming && !this.text;
    this.thinking.classList.toggle("active", active);
    this.thinkingLabel.textContent = active ? t("chat.thinking") : t("chat.thought");
  }
}

export class UserMessage {
  /** @param handlers {onEdit(view, text)} */
  constructor(message, handlers = {}) {
    this.message = message;
    this.handlers = handlers;
    this.bubble = h("div.bubble");
    this.actions = h("div.msg-actions", {},
      copyAction(() => this.message.content),
      iconButton("edit", t("chat.edit"), () => this.startEdit(), { cls: "act-edit", size: 16 }));
    this.main = h("div.msg-main", {}, this.bubble, h("div.msg-foot", {}, this.actions));
    this.el = h("article.msg.msg-user", { dataset: { id: message.id || "" } }, this.main);
    this.showText();
  }

  setMessage(message) {
    this.message = message;
    this.el.dataset.id = message.id;
    this.showText();
  }

  setContent(content) {
    this.message = { ...this.message, content };
    this.showText();
  }

  showText() {
    this.bubble.textContent = this.message.content;
    renderMeta(this, this.message.meta); // e.g. the files a question is about
  }

  startEdit() {
    if (this.el.classList.contains("editing")) return;
    const area = h("textarea.edit-area", { rows: 3, "aria-label": t("chat.edit") });
    area.value = this.message.content;
    const done = () => {
      this.el.classList.remove("editing");
      editor.replaceWith(this.bubble);
    };
    const submit = () => {
      const text = area.value;
      if (!text.trim()) return;
      done();
      this.handlers.onEdit?.(this, text);
    };
    area.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        submit();
      } else if (e.key === "Escape") done();
    });
    const editor = h("div.editor", {}, area, h("div.editor-actions", {},
      h("button.btn", { type: "button", onclick: done }, t("chat.editCancel")),
      h("button.btn.btn-primary.edit-send", { type: "button", onclick: submit }, t("chat.editSave"))));
    this.el.classList.add("editing");
    this.bubble.replaceWith(editor);
    area.focus();
    area.setSelectionRange(area.value.length, area.value.length);
  }
}
