// What the dispatcher did during a chat turn, under the answer:
//   "tool" events      a compact line per read (service · tool, ok or failed)
//   "action" events    a confirmation card for a write: nothing runs until Confirm is clicked
// and the same again after a reload, from the stored message's meta: "dispatch" (the turn's
// tool calls; an action's current state is fetched by id) and "actions" (the message the server
// adds when a card is decided from the web).
import { h, icon } from "../lib/dom.js";
import { toastError } from "../lib/toast.js";
import { t } from "../i18n/index.js";
import { onEvent, onMeta } from "../chat/renderers.js";
import { actionsApi } from "./api.js";

function statusLabel(status) {
  const key = `actions.status.${status}`;
  const text = t(key);
  return text === key ? status : text;
}

function argList(args) {
  const entries = Object.entries(args || {}).filter(([, v]) => v !== null && v !== undefined && v !== "");
  if (!entries.length) return null;
  return h("dl.action-args", {}, ...entries.flatMap(([k, v]) =>
    [h("dt", {}, k), h("dd", {}, typeof v === "object" ? JSON.stringify(v) : String(v))]));
}

function resultLine(action) {
  const r = action.result;
  if (!r) return null;
  if (action.status === "failed" || r.ok === false) return h("p.action-error", {}, r.error || t("actions.failed"));
  const data = r.data;
  const ref = data && typeof data === "object" ? data.id || data.order_id || data.booking_id : null;
  return ref ? h("p.action-ref", {}, t("actions.reference", { ref })) : null;
}

/** A card for one action; it re-renders itself in place after Confirm or Reject, then calls
 * onDecided(action) if given. */
export function actionCard(action, { onDecided } = {}) {
  const card = h("div.action-card", { dataset: { id: action.id } });
  const paint = (a) => {
    card.dataset.status = a.status;
    const buttons = [];
    if (a.status === "pending") {
      const decide = async (call, button) => {
        for (const b of buttons) b.disabled = true;
        button.classList.add("busy");
        try {
          const decided = await call(a.id);
          paint(decided);
          onDecided?.(decided);
        } catch (err) {
          toastError(err);
          for (const b of buttons) b.disabled = false;
          button.classList.remove("busy");
        }
      };
      const confirm = h("button.btn.btn-primary.action-confirm", { type: "button" }, t("actions.confirm"));
      const reject = h("button.btn.action-reject", { type: "button" }, t("actions.reject"));
      confirm.addEventListener("click", () => decide(actionsApi.confirm, confirm));
      reject.addEventListener("click", () => decide(actionsApi.reject, reject));
      buttons.push(confirm, reject);
    }
    const args = argList(a.arguments);
    card.replaceChildren(
      h("div.action-head", {},
        icon(a.status === "pending" ? "alert" : a.status === "done" ? "check" : "close", 16),
        h("span.action-service", {}, a.service_title || a.service || a.tool),
        a.sandbox ? h("span.badge.action-sandbox", { title: t("actions.sandboxHint") }, t("actions.sandbox")) : null,
        h("span.action-status", {}, statusLabel(a.status))),
      h("p.action-summary", {}, a.summary || a.tool),
      args ? h("details.action-details", {}, h("summary", {}, t("actions.details")), args) : null,
      a.status === "pending" ? h("p.action-hint", {}, t("actions.pendingHint")) : resultLine(a),
      buttons.length ? h("div.action-buttons", {}, ...buttons) : null);
  };
  paint(action);
  return card;
}

function toolLine({ tool, service, ok, error }) {
  return h(`div.tool-line.${ok ? "ok" : "failed"}`, { title: error || "" },
    icon(ok ? "check" : "alert", 14),
    h("span.tool-name", {}, [service, tool].filter(Boolean).join(" · ")),
    h("span.tool-state", {}, ok ? t("actions.toolOk") : t("actions.toolFailed")));
}

function toolBox(view) {
  if (!view.toolBox?.isConnected || !view.extras.has("tools")) {
    view.toolBox = h("div.tool-lines");
    view.setExtra("tools", view.toolBox);
  }
  return view.toolBox;
}

onEvent("tool", (turn, e) => toolBox(turn.assistant).append(toolLine(e)));
onEvent("action", (turn, e) => turn.assistant.setExtra(`action-${e.action.id}`, actionCard(e.action)));

onMeta("dispatch", (view, dispatch) => {
  const steps = Array.isArray(dispatch?.tools) ? dispatch.tools : [];
  const reads = steps.filter((s) => !s.action_id && s.ok !== null && s.ok !== undefined);
  if (reads.length) {
    view.toolBox = h("div.tool-lines", {}, ...reads.map(toolLine));
    view.setExtra("tools", view.toolBox);
  }
  for (const step of steps) {
    if (!step.action_id) continue;
    const key = `action-${step.action_id}`;
    // The answer just streamed: its card is live and current (it repaints itself when decided).
    // Fetching it again would race a click: a "pending" fetched before Reject, arriving after,
    // would put back a card already decided. Only a reloaded answer fetches its cards.
    if (view.extras.get(key)) continue;
    actionsApi.get(step.action_id).then((a) => view.setExtra(key, actionCard(a)), (err) => {
      if (err.status !== 404) toastError(err);
    });
  }
});

onMeta("actions", (view, actions) => {
  for (const a of Array.isArray(actions) ? actions : []) view.setExtra(`action-${a.id}`, actionCard(a));
});
