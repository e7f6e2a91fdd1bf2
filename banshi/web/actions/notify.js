// Reminders that fire reach the open page: poll /api/notifications, show each as a toast that
// stays until closed (or 60 s), and acknowledge it so it shows once.
import { toast } from "../lib/toast.js";
import { t } from "../i18n/index.js";
import { actionsApi } from "./api.js";

const EVERY_MS = 15000;
const shown = new Set();
let timer = 0;

async function poll() {
  try {
    const { data } = await actionsApi.notifications();
    for (const n of data || []) {
      if (shown.has(n.id + n.fired_at)) continue;
      shown.add(n.id + n.fired_at);
      toast(t("actions.reminder", { text: n.text }), { timeout: 60000 }).classList.add("toast-reminder");
      actionsApi.ack(n.id).catch(() => {});
    }
  } catch {
    // offline or signed out: try again next time
  } finally {
    timer = setTimeout(poll, document.hidden ? EVERY_MS * 4 : EVERY_MS);
  }
}

export function startNotifications() {
  if (timer) return;
  timer = setTimeout(poll, 500);
}
