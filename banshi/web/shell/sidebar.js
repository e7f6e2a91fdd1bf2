// The sidebar: new chat, search, links to other pages (addNavLink), the conversations
// grouped by date with rename / export / delete, and the theme and account controls.
import { conversations, auth } from "../lib/api.js";
import { emit, on } from "../lib/bus.js";
import { confirmDialog } from "../lib/dialog.js";
import { h, icon, iconButton } from "../lib/dom.js";
import { currentPath, navigate, onRoute } from "../lib/router.js";
import { currentTheme, onThemeChange, toggleTheme } from "../lib/theme.js";
import { toast, toastError } from "../lib/toast.js";
import { t } from "../i18n/index.js";
import { closeSidebarIfNarrow, toggleSidebar } from "./layout.js";

const DAY = 86400000;

let list = null;
let nav = null;
let query = "";
let items = [];
let loadSeq = 0;

const navLinks = [];

/** A link to another page in the sidebar, e.g. addNavLink({href: "#/memory", icon: "memory", label}).
 * May be called before or after the sidebar is built. */
export function addNavLink({ href, icon: iconName, label }) {
  const link = h("a.nav-link", { href, dataset: { path: href.replace(/^#/, "") } }, icon(iconName, 18), h("span", {}, label));
  link.addEventListener("click", closeSidebarIfNarrow);
  navLinks.push(link);
  if (nav) showNavLinks();
  return link;
}

function showNavLinks() {
  nav.append(...navLinks);
  nav.hidden = navLinks.length === 0;
  markActive(currentPath());
}

export function buildSidebar(user) {
  list = h("nav.conv-list", { "aria-label": t("sidebar.conversations") });
  nav = h("div.nav-links", { hidden: true });
  let timer = 0;
  const search = h("input.search-input", { type: "search", placeholder: t("sidebar.search"), "aria-label": t("sidebar.search") });
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      query = search.value.trim();
      refresh();
    }, 200);
  });

  const themeButton = h("button.side-btn.theme-toggle", { type: "button", onclick: toggleTheme });
  const showTheme = (theme) => {
    // the button names the theme it switches to
    const next = theme === "dark" ? "light" : "dark";
    themeButton.replaceChildren(icon(next === "dark" ? "moon" : "sun", 18),
      h("span", {}, next === "dark" ? t("sidebar.themeDark") : t("sidebar.themeLight")));
    themeButton.title = t("sidebar.theme");
  };
  showTheme(currentTheme());
  onThemeChange(showTheme);

  const footer = h("div.side-foot", {}, themeButton);
  if (user?.multi_user) {
    footer.append(h("div.account", {},
      h("span.avatar", {}, (user.username || "?").slice(0, 1).toUpperCase()),
      h("span.account-name", { title: user.username }, user.username),
      iconButton("logout", t("sidebar.signOut"), signOut, { cls: "sign-out", size: 16 })));
  }

  const el = h("aside.sidebar", {},
    h("div.side-head", {},
      h("a.brand", { href: "#/" }, h("img", { src: "/static/favicon.svg", alt: "" }), h("span", {}, t("app.name"))),
      iconButton("sidebar", t("sidebar.toggle"), () => toggleSidebar(), { cls: "side-toggle" })),
    h("button.new-chat", { type: "button", onclick: () => { navigate("/"); closeSidebarIfNarrow(); } },
      icon("plus", 18), h("span", {}, t("sidebar.newChat"))),
    h("label.search", {}, icon("search", 16), search),
    nav,
    list,
    footer);

  showNavLinks();
  on("conversations-changed", refresh);
  onRoute(markActive);
  refresh();
  return el;
}

async function signOut() {
  try {
    await auth.logout();
  } catch (err) {
    toastError(err);
  }
  location.hash = "/";
  location.reload();
}

export async function refresh() {
  const seq = ++loadSeq;
  try {
    const { data } = await conversations.list(query);
    if (seq !== loadSeq) return; // a newer search has been sent
    items = data;
    renderList();
  } catch (err) {
    if (err.status !== 401) toastError(err);
  }
}

function groupOf(iso) {
  const then = new Date(iso);
  const today = new Date();
  today.setHours(0, 0, 0, 0);
  const diff = today - new Date(then.getFullYear(), then.getMonth(), then.getDate());
  if (diff <= 0) return "sidebar.today";
  if (diff <= DAY) return "sidebar.yesterday";
  if (diff <= 7 * DAY) return "sidebar.week";
  if (diff <= 30 * DAY) return "sidebar.month";
  return "sidebar.older";
}

// Rows are kept per conversation and moved, not rebuilt, when the list reloads (a turn
// reloads it twice: when the question is stored and when the answer is): a row the pointer is
// on, whose menu is open or that is being renamed stays the same element.
const rows = new Map(); // conversation id -> {row, conv, link}

function renderList() {
  const keep = new Set(items.map((c) => c.id));
  for (const [id, entry] of rows) {
    if (keep.has(id)) continue;
    entry.row.remove();
    rows.delete(id);
    if (openMenuEl?.dataset.id === id) closeMenu();
  }
  const children = [];
  if (!items.length) {
    children.push(h("p.conv-empty", {}, query ? t("sidebar.noResults", { q: query }) : t("sidebar.empty")));
  }
  let group = null;
  for (const conv of items) {
    const g = groupOf(conv.updated_at);
    if (g !== group) {
      group = g;
      children.push(h("h3.conv-group", {}, t(g)));
    }
    children.push(rowFor(conv));
  }
  // moving kept rows: headers and the empty note are the only new elements
  for (const el of [...list.children]) if (!children.includes(el)) el.remove();
  children.forEach((el, i) => {
    if (list.children[i] !== el) list.insertBefore(el, list.children[i] || null);
  });
  markActive(currentPath());
}

/** The row of `conv`, made once and updated in place afterwards. */
function rowFor(conv) {
  const entry = rows.get(conv.id);
  if (!entry) {
    const row = renderItem(conv);
    // the link too: while the title is being renamed, an input stands in its place
    rows.set(conv.id, { row, conv, link: row.querySelector(".conv-link") });
    return row;
  }
  Object.assign(entry.conv, conv); // the menu's actions read this object
  const title = conv.title || t("sidebar.untitled");
  const { link } = entry;
  link.title = title;
  link.querySelector(".conv-title").textContent = title;
  const badge = link.querySelector(".badge");
  if (conv.incognito && !badge) link.append(h("span.badge", {}, t("sidebar.incognito")));
  else if (!conv.incognito) badge?.remove();
  return entry.row;
}

function renderItem(conv) {
  const title = conv.title || t("sidebar.untitled");
  const link = h("a.conv-link", { href: `#/c/${conv.id}`, title, onclick: closeSidebarIfNarrow },
    h("span.conv-title", {}, title),
    conv.incognito ? h("span.badge", {}, t("sidebar.incognito")) : null);
  const more = iconButton("more", t("sidebar.options"), (e) => openMenu(e, conv, row), { cls: "conv-more", size: 16 });
  const row = h("div.conv", { dataset: { id: conv.id, path: `/c/${conv.id}` } }, link, more);
  return row;
}

function markActive(path) {
  for (const el of document.querySelectorAll(".conv, .nav-link")) {
    el.classList.toggle("active", el.dataset.path === path);
  }
}

// -- the item menu ----------------------------------------------------------------------
let openMenuEl = null;

function closeMenu() {
  openMenuEl?.remove();
  openMenuEl = null;
  document.removeEventListener("pointerdown", outside, true);
  document.removeEventListener("keydown", escape, true);
}

function outside(e) {
  if (openMenuEl && !openMenuEl.contains(e.target)) closeMenu();
}

function escape(e) {
  if (e.key === "Escape") closeMenu();
}

function openMenu(event, conv, row) {
  event.preventDefault();
  event.stopPropagation();
  const again = openMenuEl?.dataset.id === conv.id;
  closeMenu();
  if (again) return;
  const item = (iconName, label, action, cls = "") =>
    h(`button.menu-item${cls}`, { type: "button", role: "menuitem", onclick: () => { closeMenu(); action(); } },
      icon(iconName, 16), h("span", {}, label));
  openMenuEl = h("div.menu", { role: "menu", dataset: { id: conv.id } },
    item("edit", t("sidebar.rename"), () => startRename(conv, row), ".menu-rename"),
    item("download", t("sidebar.exportMd"), () => download(conv, "md"), ".menu-export-md"),
    item("download", t("sidebar.exportJson"), () => download(conv, "json"), ".menu-export-json"),
    item("trash", t("sidebar.delete"), () => remove(conv), ".menu-delete.danger"));
  document.body.append(openMenuEl);
  const rect = event.currentTarget.getBoundingClientRect();
  const top = Math.min(rect.bottom + 4, window.innerHeight - openMenuEl.offsetHeight - 8);
  openMenuEl.style.top = `${top}px`;
  openMenuEl.style.left = `${Math.max(8, rect.right - openMenuEl.offsetWidth)}px`;
  document.addEventListener("pointerdown", outside, true);
  document.addEventListener("keydown", escape, true);
  openMenuEl.querySelector("button").focus();
}

function download(conv, format) {
  const a = h("a", { href: conversations.exportUrl(conv.id, format), download: "" });
  document.body.append(a);
  a.click();
  a.remove();
}

function startRename(conv, row) {
  const link = row.querySelector(".conv-link");
  const input = h("input.rename-input", { type: "text", maxlength: 200, "aria-label": t("sidebar.rename") });
  input.value = conv.title;
  let finished = false;
  const finish = async (saveIt) => {
    if (finished) return;
    finished = true;
    const title = input.value.trim();
    input.replaceWith(link);
    if (!saveIt || !title || title === conv.title) return;
    try {
      const updated = await conversations.rename(conv.id, title);
      conv.title = updated.title;
      link.querySelector(".conv-title").textContent = updated.title;
      link.title = updated.title;
      emit("conversation-renamed", { id: conv.id, title: updated.title });
    } catch (err) {
      toastError(err);
    }
  };
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.isComposing) finish(true);
    else if (e.key === "Escape") finish(false);
  });
  input.addEventListener("blur", () => finish(true));
  link.replaceWith(input);
  input.focus();
  input.select();
}

async function remove(conv) {
  const title = conv.title || t("sidebar.untitled");
  const ok = await confirmDialog({
    title: t("sidebar.deleteTitle"), message: t("sidebar.deleteBody", { title }),
    confirmLabel: t("sidebar.delete"), danger: true,
  });
  if (!ok) return;
  try {
    await conversations.remove(conv.id);
  } catch (err) {
    toastError(err);
    return;
  }
  loadSeq++; // a list request already on its way may still hold this chat: ignore it
  items = items.filter((c) => c.id !== conv.id);
  renderList();
  toast(t("sidebar.deleted"));
  if (currentPath() === `/c/${conv.id}`) navigate("/");
  refresh();
}
