// How a streamed event or a stored message's metadata shows up in the chat.
//
//   onEvent(type, (turn, event) => …)   one handler per server-sent event type; `turn` gives
//                                       turn.assistant (an AssistantMessage), turn.user, turn.conversationId
//   onMeta(key, (view, value) => …)     one handler per key of a stored message's `meta`,
//                                       run when history loads and when an answer is done
//
// A new kind of content (an action card, an attachment) registers both: the event for the
// live stream, the meta key for the same thing after a reload. Handlers should be idempotent
// (use view.setExtra(key, element), which replaces the element of the same key).
import { emit } from "../lib/bus.js";
import { h, icon } from "../lib/dom.js";
import { t } from "../i18n/index.js";

const eventHandlers = new Map();
const metaHandlers = new Map();

export function onEvent(type, handler) {
  eventHandlers.set(type, handler);
}

export function onMeta(key, handler) {
  metaHandlers.set(key, handler);
}

export function renderEvent(turn, event) {
  const handler = eventHandlers.get(event.type);
  if (handler) handler(turn, event);
  else console.debug("banshi: no renderer for event type", event.type, event);
}

export function renderMeta(view, meta) {
  for (const [key, value] of Object.entries(meta || {})) {
    const handler = metaHandlers.get(key);
    if (handler) handler(view, value);
  }
}

// -- the built-in event types ---------------------------------------------------------------
onEvent("user", (turn, e) => {
  turn.user?.setMessage(e.message);
  emit("conversations-changed"); // stored: the list shows its title and new order
});
onEvent("sources", (turn, e) => renderSources(turn.assistant, e.sources));
onEvent("reasoning", (turn, e) => turn.assistant.appendReasoning(e.text));
onEvent("text", (turn, e) => turn.assistant.appendText(e.text));
onEvent("done", (turn, e) => turn.finish(e.message));
onEvent("error", (turn, e) => {
  turn.finish(e.message); // the stored answer carries the error in meta: shown under it
  if (!e.message?.meta?.error) turn.assistant.showError(e.error);
});

// -- the built-in meta keys -----------------------------------------------------------------
onMeta("sources", renderSources);
onMeta("error", (view, error) => view.showError(error));

function renderSources(view, sources) {
  if (!Array.isArray(sources) || !sources.length) return;
  // what memory used, or what it keeps ("remembered") or deleted ("forgotten") at this turn
  const kind = sources.every((s) => s?.type === "remembered") ? "chat.remembered"
    : sources.every((s) => s?.type === "forgotten") ? "chat.forgotten" : "chat.sources";
  view.setExtra("sources", h("div.sources", {},
    h("a.sources-label", { href: "#/memory", title: t("memory.title") }, icon("memory", 14), t(kind)),
    ...sources.map((s) => {
      const text = typeof s === "string" ? s : s.title || s.text || JSON.stringify(s);
      return h("span.source-chip", { title: text }, text);
    })));
}
