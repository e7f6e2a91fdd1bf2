// The chat view: "#/" is a new chat, "#/c/<id>" a stored one. It shows the thread, keeps it
// scrolled to the newest text while the user has not scrolled up, and runs turns (send,
// regenerate, edit-and-resend). A turn keeps streaming when the user opens another chat;
// coming back re-attaches its live message.
import { conversations } from "../lib/api.js";
import { emit, on } from "../lib/bus.js";
import { h, icon } from "../lib/dom.js";
import { replace } from "../lib/router.js";
import { toastError } from "../lib/toast.js";
import { t } from "../i18n/index.js";
import { setTitle } from "../shell/layout.js";
import { Composer } from "./composer.js";
import { AssistantMessage, UserMessage } from "./message.js";
import { Turn } from "./turn.js";
import { installMediaTools } from "../media/tools.js";

/** conversation id → the Turn streaming into it (outlives the page that started it). */
const activeTurns = new Map();

const SUGGESTIONS = ["chat.suggest.errand", "chat.suggest.homework", "chat.suggest.drawing", "chat.suggest.translation"];

class ChatPage {
  constructor(outlet, id) {
    this.id = id || null;
    this.views = [];
    this.stick = true;
    this.cleanups = [];

    this.thread = h("div.thread");
    // what it can do, one tap away: a suggestion fills the input, to be edited and sent
    const suggestions = SUGGESTIONS.map((key) => h("button.chip.suggestion", {
      type: "button", onclick: () => { this.composer.setText(t(key)); this.composer.focus(); },
    }, t(key)));
    this.welcome = h("div.welcome", {},
      h("img.welcome-logo", { src: "/static/favicon.svg", alt: "" }),
      h("h2", {}, t("chat.welcome")),
      h("p", {}, t("chat.welcomeSub")),
      h("div.suggestions", {}, ...suggestions));
    this.scroller = h("div.chat-scroll", {}, this.thread);
    this.downButton = h("button.scroll-down", {
      type: "button", title: t("chat.scrollDown"), "aria-label": t("chat.scrollDown"),
      onclick: () => this.scrollToBottom(true),
    }, icon("arrowDown", 18));
    this.composer = new Composer({ onSend: (text) => this.send(text), onStop: () => activeTurns.get(this.id)?.stop() });
    this.el = h("section.chat", {}, this.scroller, this.downButton, h("div.composer-wrap", {}, this.composer.el));
    outlet.append(this.el);

    this.scroller.addEventListener("scroll", () => {
      const gap = this.scroller.scrollHeight - this.scroller.scrollTop - this.scroller.clientHeight;
      this.stick = gap < 80;
      this.downButton.classList.toggle("show", gap > 200);
    }, { passive: true });
    this.resizeObserver = new ResizeObserver(() => {
      if (this.stick) this.scrollToBottom();
    });
    this.resizeObserver.observe(this.thread);
    installMediaTools(this); // attach, microphone, read aloud (media/tools.js)
    this.cleanups.push(on("conversation-renamed", ({ id, title }) => {
      if (id === this.id) setTitle(title);
    }));
  }

  async load() {
    if (!this.id) {
      this.addIncognitoToggle();
      this.showWelcome(true);
      setTitle("");
      this.composer.focus();
      return;
    }
    let conversation;
    try {
      conversation = await conversations.get(this.id);
    } catch (err) {
      if (err.status === 404) this.showNotFound();
      else toastError(err);
      return;
    }
    if (this.destroyed) return;
    setTitle(conversation.title || t("sidebar.untitled"));
    this.renderHistory(conversation.messages);
    const turn = activeTurns.get(this.id);
    if (turn) {
      this.append(turn.assistant);
      turn.onEnd(() => this.settle());
    }
    this.settle();
    this.scrollToBottom();
    this.composer.focus();
  }

  /** On a new chat: start it in incognito mode (kept, but not remembered). */
  addIncognitoToggle() {
    const toggle = h("button.chip.incognito-toggle", {
      type: "button", title: t("chat.incognitoHint"), "aria-pressed": "false",
      onclick: () => {
        const on = toggle.getAttribute("aria-pressed") !== "true";
        toggle.setAttribute("aria-pressed", String(on));
        toggle.classList.toggle("on", on);
      },
    }, icon("incognito", 16), h("span", {}, t("chat.incognito")));
    this.incognitoToggle = toggle;
    this.composer.addTool(toggle);
  }

  destroy() {
    this.destroyed = true;
    this.resizeObserver.disconnect();
    for (const fn of this.cleanups) fn();
  }

  // -- rendering -----------------------------------------------------------------------
  handlers() {
    return {
      onRegenerate: (view) => this.regenerate(view),
      onEdit: (view, text) => this.edit(view, text),
    };
  }

  renderHistory(messages) {
    this.views = [];
    this.thread.replaceChildren();
    for (const m of messages) {
      if (m.role === "user") this.append(new UserMessage(m, this.handlers()));
      else if (m.role === "assistant") this.append(new AssistantMessage(m, this.handlers()));
    }
    this.showWelcome(this.views.length === 0);
  }

  append(view) {
    this.views.push(view);
    this.thread.append(view.el);
    this.showWelcome(false);
  }

  removeFrom(index) {
    for (const view of this.views.splice(index)) view.el.remove();
  }

  showWelcome(show) {
    if (show && !this.welcome.isConnected) this.scroller.prepend(this.welcome);
    if (!show) this.welcome.remove();
    this.el.classList.toggle("empty", show);
  }

  showNotFound() {
    setTitle("");
    this.scroller.replaceChildren(h("div.welcome", {},
      h("h2", {}, t("chat.loadFailed")),
      h("p", {}, t("chat.notFound")),
      h("a.btn.btn-primary", { href: "#/" }, t("chat.back"))));
    this.composer.el.hidden = true;
  }

  /** After a turn starts or ends: the send/stop button, and which answer can be regenerated. */
  settle() {
    if (this.destroyed) return;
    const busy = activeTurns.has(this.id);
    this.composer.setBusy(busy);
    this.el.classList.toggle("busy", busy);
    const last = [...this.views].reverse().find((v) => v instanceof AssistantMessage);
    for (const v of this.views) v.el.classList.toggle("is-last", v === last);
  }

  scrollToBottom(smooth = false) {
    this.stick = true;
    this.scroller.scrollTo({ top: this.scroller.scrollHeight, behavior: smooth ? "smooth" : "instant" });
  }

  // -- turns ---------------------------------------------------------------------------
  /** @param extra more of the request body, e.g. {attachments: [file ids]} */
  async send(text, extra = {}) {
    if (this.creating || activeTurns.has(this.id)) return;
    let created = false;
    if (!this.id) {
      this.creating = true; // a second Enter must not make a second conversation
      try {
        const incognito = this.incognitoToggle?.getAttribute("aria-pressed") === "true";
        this.id = (await conversations.create({ incognito })).id;
      } catch (err) {
        toastError(err);
        return;
      } finally {
        this.creating = false;
      }
      created = true;
      this.incognitoToggle?.remove();
      replace(`/c/${this.id}`);
    }
    const user = new UserMessage({ role: "user", content: text }, this.handlers());
    const assistant = new AssistantMessage({ role: "assistant", content: "" }, this.handlers(), { streaming: true });
    this.append(user);
    this.append(assistant);
    this.composer.clear();
    this.scrollToBottom();
    if (created) setTitle(text.trim().split(/\s+/).join(" ").slice(0, 60));
    const turn = new Turn({
      conversationId: this.id, path: conversations.sendPath(this.id),
      body: { content: text, think: this.composer.think, ...extra }, user, assistant,
    });
    await this.run(turn, async () => {
      this.removeFrom(this.views.indexOf(user));
      this.composer.setText(text);
      if (created) {
        const id = this.id;
        if (!this.destroyed) {
          this.id = null;
          if (this.incognitoToggle) this.composer.addTool(this.incognitoToggle);
          replace("/");
          setTitle("");
          this.showWelcome(true);
        }
        await conversations.remove(id).catch(() => {}); // the empty conversation it made
        emit("conversations-changed");
      }
    });
  }

  async regenerate(view) {
    if (activeTurns.has(this.id)) return;
    const index = this.views.indexOf(view);
    this.removeFrom(index);
    const assistant = new AssistantMessage({ role: "assistant", content: "" }, this.handlers(), { streaming: true });
    this.append(assistant);
    const turn = new Turn({
      conversationId: this.id, path: conversations.regeneratePath(this.id),
      body: { think: this.composer.think }, assistant,
    });
    await this.run(turn, () => this.reload());
  }

  async edit(view, text) {
    if (activeTurns.has(this.id) || !view.message.id) return;
    this.removeFrom(this.views.indexOf(view) + 1);
    view.setContent(text);
    const assistant = new AssistantMessage({ role: "assistant", content: "" }, this.handlers(), { streaming: true });
    this.append(assistant);
    this.scrollToBottom();
    const turn = new Turn({
      conversationId: this.id, path: conversations.editPath(this.id, view.message.id),
      body: { content: text, think: this.composer.think }, assistant,
    });
    await this.run(turn, () => this.reload());
  }

  /** Run a turn; if the server refuses it before streaming, undo what the page showed. */
  async run(turn, rollback) {
    const id = this.id;
    activeTurns.set(id, turn);
    turn.onEnd(() => {
      activeTurns.delete(id);
      emit("conversations-changed");
    });
    this.settle();
    try {
      await turn.run();
    } catch (err) {
      await rollback();
      toastError(err);
    } finally {
      this.settle();
    }
  }

  async reload() {
    try {
      const conversation = await conversations.get(this.id);
      this.renderHistory(conversation.messages);
      this.settle();
    } catch (err) {
      toastError(err);
    }
  }
}

let page = null;

export const chatView = {
  async mount(outlet, params) {
    page = new ChatPage(outlet, params.id);
    await page.load();
  },
  unmount() {
    page?.destroy();
    page = null;
  },
};
