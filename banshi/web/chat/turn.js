// One streamed answer: POST, read the server-sent events, hand each to its renderer.
// Stopping asks the server to stop (it keeps the partial answer and still sends "done"), and
// aborts the request if the server has not finished shortly after.
import { ApiError, conversations, events } from "../lib/api.js";
import { t } from "../i18n/index.js";
import { renderEvent } from "./renderers.js";

const ABORT_AFTER_MS = 1500;

export class Turn {
  /**
   * @param conversationId the conversation
   * @param path           the streaming endpoint (send, regenerate or edit)
   * @param body           its JSON body
   * @param assistant      the AssistantMessage that receives the answer
   * @param user           the UserMessage of this turn, if new (gets the stored id)
   */
  constructor({ conversationId, path, body, assistant, user = null }) {
    Object.assign(this, { conversationId, path, body, assistant, user });
    this.controller = new AbortController();
    this.stopped = false;
    this.finished = false;
    this.listeners = new Set();
    this.done = null; // the promise of run()
  }

  /** Resolves "done" | "stopped" | "error"; rejects with ApiError when the server refuses the turn. */
  run() {
    this.done = this.#run();
    return this.done;
  }

  async #run() {
    try {
      for await (const event of events(this.path, this.body, this.controller.signal)) renderEvent(this, event);
      if (!this.finished) throw new Error(t("error.stream"));
      return this.stopped ? "stopped" : "done";
    } catch (err) {
      if (err instanceof ApiError) throw err; // refused before streaming: the caller rolls back
      if (this.stopped || err.name === "AbortError") {
        this.assistant.markStopped();
        return "stopped";
      }
      this.assistant.showError({ message: err.message || t("error.stream") });
      return "error";
    } finally {
      clearTimeout(this.abortTimer);
      this.assistant.setStreaming(false);
      for (const fn of this.listeners) fn(this);
    }
  }

  /** Called by the "done" and "error" renderers with the stored assistant message. */
  finish(message) {
    this.finished = true;
    this.assistant.finish(message);
  }

  stop() {
    if (this.stopped) return;
    this.stopped = true;
    const abort = () => this.controller.abort();
    conversations.stop(this.conversationId).then((r) => r?.stopped || abort(), abort);
    this.abortTimer = setTimeout(abort, ABORT_AFTER_MS);
  }

  onEnd(fn) {
    this.listeners.add(fn);
  }
}
