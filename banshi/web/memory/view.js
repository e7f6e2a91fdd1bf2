// The Memory page ("#/memory"): what Banshi remembers about the user (banshi/api/routers/memory.py)
// — each fact with when and where it came from, search, edit, delete, add, export and import as
// JSON, and the switch that turns memory off.
import { api } from "../lib/api.js";
import { confirmDialog } from "../lib/dialog.js";
import { h, icon, iconButton } from "../lib/dom.js";
import { toast, toastError } from "../lib/toast.js";
import { lang, t } from "../i18n/index.js";
import { setTitle } from "../shell/layout.js";

const memoryApi = {
  list: () => api("/api/memory"),
  search: (q) => api(`/api/memory/search?q=${encodeURIComponent(q)}&limit=20`),
  add: (text) => api("/api/memory", { method: "POST", body: { text } }),
  edit: (id, body) => api(`/api/memory/${encodeURIComponent(id)}`, { method: "PATCH", body }),
  remove: (id) => api(`/api/memory/${encodeURIComponent(id)}`, { method: "DELETE" }),
  setEnabled: (enabled) => api("/api/memory/settings", { method: "PUT", body: { enabled } }),
  import: (data) => api("/api/memory/import", { method: "POST", body: data }),
  exportUrl: "/api/memory/export",
};

export function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return date.toLocaleString(lang === "zh" ? "zh-CN" : undefined, { dateStyle: "medium", timeStyle: "short" });
}

class MemoryPage {
  constructor(outlet) {
    this.seq = 0;
    this.list = h("ul.fact-list");
    this.empty = h("p.page-empty", { hidden: true });
    this.note = h("p.note.memory-off", { hidden: true }, t("memory.disabledNote"));
    this.switch = h("input.memory-switch", { type: "checkbox", onchange: () => this.toggle() });
    this.search = h("input.memory-search", { type: "search", placeholder: t("memory.search"), "aria-label": t("memory.search") });
    let timer = 0;
    this.search.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.refresh(), 250);
    });
    this.addInput = h("input.memory-add-input", { type: "text", placeholder: t("memory.addPlaceholder"), "aria-label": t("memory.add") });
    const fileInput = h("input", { type: "file", accept: "application/json,.json", hidden: true, onchange: () => this.importFile(fileInput) });
    this.el = h("section.page.memory-page", {},
      h("p.page-intro", {}, t("memory.intro")),
      h("label.switch", {}, this.switch, h("span", {}, t("memory.enabled"))),
      this.note,
      h("form.page-tools", { onsubmit: (e) => this.add(e) },
        h("div.search-box", {}, this.addInput),
        h("button.btn.memory-add", { type: "submit" }, icon("plus", 16), t("memory.add"))),
      h("div.page-tools", {},
        h("div.search-box", {}, this.search),
        h("a.btn.memory-export", { href: memoryApi.exportUrl, download: "banshi-memory.json" }, icon("download", 16), t("memory.export")),
        h("button.btn.memory-import", { type: "button", onclick: () => fileInput.click() }, t("memory.import")),
        fileInput),
      this.list, this.empty);
    outlet.append(this.el);
  }

  async refresh() {
    const seq = ++this.seq;
    const q = this.search.value.trim();
    try {
      if (q) {
        const found = await memoryApi.search(q);
        if (seq !== this.seq) return;
        this.show(found.results || [], t("memory.noResults", { q }));
      } else {
        const data = await memoryApi.list();
        if (seq !== this.seq) return;
        this.switch.checked = !!data.enabled;
        this.note.hidden = !!data.enabled;
        this.show(data.facts || [], t("memory.empty"));
      }
    } catch (err) {
      toastError(err);
    }
  }

  show(items, emptyText) {
    this.list.replaceChildren(...items.map((item) => this.row(item)));
    this.empty.textContent = emptyText;
    this.empty.hidden = items.length > 0;
  }

  row(item) {
    const isFact = item.type !== "message";
    const text = h("div.fact-text", {}, item.memory);
    const origin = item.conversation_id
      ? [t(isFact ? "memory.fromChat" : "memory.message", { when: when(item.created_at) }), " · ",
        h("a", { href: `#/c/${encodeURIComponent(item.conversation_id)}` }, t("memory.fromChatLink"))]
      : [t("memory.added", { when: when(item.created_at) })];
    if (item.past) origin.unshift(h("span.fact-past", {}, t("memory.past")), " · ");
    const main = h("div.fact-main", {}, text, h("div.fact-meta", {}, ...origin));
    const li = h(`li.fact${isFact ? "" : ".fact-message"}`, { dataset: { id: item.id } }, icon(isFact ? "memory" : "search", 16), main);
    if (isFact) {
      li.append(h("div.fact-actions", {},
        iconButton("edit", t("memory.edit"), () => this.edit(item, main), { cls: "fact-edit-btn", size: 16 }),
        iconButton("trash", t("memory.delete"), () => this.remove(item, li), { cls: "fact-delete", size: 16 })));
    }
    return li;
  }

  edit(fact, main) {
    if (main.querySelector(".fact-edit")) return;
    const byValue = fact.value !== null && fact.value !== undefined && fact.value !== "";
    const input = h("input", { type: "text", "aria-label": t("memory.edit") });
    input.value = byValue ? fact.value : fact.memory;
    const form = h("form.fact-edit", {
      onsubmit: async (e) => {
        e.preventDefault();
        const value = input.value.trim();
        if (!value) return;
        try {
          await memoryApi.edit(fact.id, byValue ? { value } : { text: value });
          await this.refresh();
        } catch (err) {
          toastError(err);
        }
      },
    }, input, h("button.btn.btn-primary", { type: "submit" }, t("memory.save")),
    h("button.btn", { type: "button", onclick: () => form.remove() }, t("common.cancel")));
    main.append(form);
    input.focus();
  }

  async remove(fact, li) {
    const ok = await confirmDialog({
      title: t("memory.deleteTitle"), message: t("memory.deleteBody", { text: fact.memory }),
      confirmLabel: t("memory.delete"), danger: true,
    });
    if (!ok) return;
    try {
      await memoryApi.remove(fact.id);
      li.remove();
      toast(t("memory.deleted"));
      if (!this.list.children.length) this.refresh();
    } catch (err) {
      toastError(err);
    }
  }

  async add(event) {
    event.preventDefault();
    const text = this.addInput.value.trim();
    if (!text) return;
    try {
      await memoryApi.add(text);
      this.addInput.value = "";
      this.search.value = "";
      await this.refresh();
    } catch (err) {
      toastError(err);
    }
  }

  async toggle() {
    const enabled = this.switch.checked;
    try {
      await memoryApi.setEnabled(enabled);
      this.note.hidden = enabled;
    } catch (err) {
      this.switch.checked = !enabled;
      toastError(err);
    }
  }

  async importFile(input) {
    const file = input.files?.[0];
    input.value = "";
    if (!file) return;
    let data;
    try {
      data = JSON.parse(await file.text());
      if (!data || !Array.isArray(data.facts)) throw new Error("no facts");
    } catch {
      toast(t("memory.badFile"), { type: "error" });
      return;
    }
    try {
      const result = await memoryApi.import(data);
      toast(t("memory.imported", { n: result?.imported ?? 0 }));
      await this.refresh();
    } catch (err) {
      toastError(err);
    }
  }
}

let page = null;

export const memoryView = {
  async mount(outlet) {
    setTitle(t("memory.title"));
    page = new MemoryPage(outlet);
    await page.refresh();
  },
  unmount() {
    page = null;
  },
};
