// The page frame: sidebar on the left, a top bar and the current view on the right. On
// narrow screens the sidebar slides over the page and closes after a choice.
import { h, iconButton } from "../lib/dom.js";
import { load, save } from "../lib/storage.js";
import { t } from "../i18n/index.js";

const COLLAPSED_KEY = "banshi.sidebar";
const narrow = matchMedia("(max-width: 768px)");
let app = null;
let titleEl = null;

export function buildLayout(root, sidebar) {
  app = root;
  titleEl = h("h1.topbar-title");
  const outlet = h("div.outlet");
  const main = h("main.main", {},
    h("header.topbar", {},
      iconButton("sidebar", t("sidebar.toggle"), () => toggleSidebar(), { cls: "topbar-toggle" }),
      titleEl,
      iconButton("plus", t("sidebar.newChat"), () => { location.hash = "/"; }, { cls: "topbar-new" })),
    outlet);
  const scrim = h("div.scrim", { onclick: () => setSidebar(false) });
  root.replaceChildren(sidebar, scrim, main);
  root.classList.add("shell");
  setSidebar(!narrow.matches && load(COLLAPSED_KEY) !== "1", { remember: false });
  narrow.addEventListener("change", () => setSidebar(!narrow.matches && load(COLLAPSED_KEY) !== "1", { remember: false }));
  return outlet;
}

export function setTitle(text) {
  if (titleEl) titleEl.textContent = text || t("app.name");
  document.title = text ? `${text} · ${t("app.name")}` : t("app.name");
}

export function setSidebar(open, { remember = true } = {}) {
  if (!app) return;
  app.classList.toggle("sidebar-open", open);
  if (remember && !narrow.matches) save(COLLAPSED_KEY, open ? "0" : "1");
}

export function toggleSidebar() {
  setSidebar(!app.classList.contains("sidebar-open"));
}

/** After picking a chat on a phone, get the sidebar out of the way. */
export function closeSidebarIfNarrow() {
  if (narrow.matches) setSidebar(false, { remember: false });
}
