// The Actions page ("#/actions"): what waits for the user's confirmation (the same cards as in
// the chat) and the audit log of what was done on their behalf, with Undo where the service
// can cancel it.
import { confirmDialog } from "../lib/dialog.js";
import { h, icon } from "../lib/dom.js";
import { toast, toastError } from "../lib/toast.js";
import { t } from "../i18n/index.js";
import { setTitle } from "../shell/layout.js";
import { when } from "../memory/view.js";
import { actionsApi } from "./api.js";
import { actionCard } from "./cards.js";

function describe(entry) {
  const args = Object.entries(entry.arguments || {})
    .filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : v}`)
    .join(", ");
  return args ? `${entry.tool}: ${args}` : entry.tool;
}

class ActionsPage {
  constructor(outlet) {
    this.seq = 0;
    this.pending = h("div.pending-list");
    this.noPending = h("p.page-empty", { hidden: true }, t("actions.noPending"));
    this.audit = h("ul.audit-list");
    this.noAudit = h("p.page-empty", { hidden: true }, t("actions.noAudit"));
    this.el = h("section.page.actions-page", {},
      h("h2", {}, t("actions.pending")), this.pending, this.noPending,
      h("h2", {}, t("actions.audit")), this.audit, this.noAudit);
    outlet.append(this.el);
  }

  async refresh() {
    const seq = ++this.seq;
    try {
      const [pending, audit] = await Promise.all([actionsApi.list("pending"), actionsApi.audit()]);
      if (seq !== this.seq) return;
      this.pending.replaceChildren(...pending.data.map((a) => actionCard(a, { onDecided: () => this.reloadAudit() })));
      this.noPending.hidden = pending.data.length > 0;
      this.audit.replaceChildren(...audit.data.map((e) => this.entry(e)));
      this.noAudit.hidden = audit.data.length > 0;
    } catch (err) {
      toastError(err);
    }
  }

  async reloadAudit() {
    try {
      const audit = await actionsApi.audit();
      this.audit.replaceChildren(...audit.data.map((e) => this.entry(e)));
      this.noAudit.hidden = audit.data.length > 0;
    } catch (err) {
      toastError(err);
    }
  }

  entry(e) {
    const text = describe(e);
    const li = h(`li.audit-entry.${e.ok ? "ok" : "failed"}`, { dataset: { id: e.id } },
      icon(e.ok ? "check" : "alert", 16),
      h("div.audit-main", {},
        h("div.audit-tool", {}, text),
        h("div.audit-meta", {}, [e.service, when(e.created_at)].filter(Boolean).join(" · "),
          e.ok ? "" : ` · ${t("actions.status.failed")}`)),
      e.undone ? h("span.badge.audit-undone", {}, t("actions.undone")) : null);
    if (e.undoable) {
      const button = h("button.btn.audit-undo", { type: "button" }, t("actions.undo"));
      button.addEventListener("click", async () => {
        const ok = await confirmDialog({
          title: t("actions.undoTitle"), message: t("actions.undoBody", { what: text }),
          confirmLabel: t("actions.undo"), danger: true,
        });
        if (!ok) return;
        button.disabled = true;
        try {
          const result = await actionsApi.undo(e.id);
          if (result?.result && result.result.ok === false) throw new Error(result.result.error || t("actions.failed"));
          toast(t("actions.undoDone"));
          await this.reloadAudit();
        } catch (err) {
          button.disabled = false;
          toastError(err);
        }
      });
      li.append(button);
    }
    return li;
  }
}

let page = null;

export const actionsView = {
  async mount(outlet) {
    setTitle(t("actions.title"));
    page = new ActionsPage(outlet);
    await page.refresh();
  },
  unmount() {
    page = null;
  },
};
