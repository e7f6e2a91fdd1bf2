// Interface language: Chinese when the browser's language is zh*, English otherwise.
// t("key", {name: value}) looks a key up (falling back to English, then to the key itself);
// localize(root) fills elements marked data-i18n / data-i18n-placeholder / -title / -aria-label.
import en from "./en.js";
import zh from "./zh.js";

const DICTS = { en, zh };

export const lang = (navigator.language || "en").toLowerCase().startsWith("zh") ? "zh" : "en";

export function t(key, vars) {
  let text = DICTS[lang][key] ?? en[key] ?? key;
  if (vars) text = text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
  return text;
}

const ATTRS = ["placeholder", "title", "aria-label"];

export function localize(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const attr of ATTRS) {
    for (const el of root.querySelectorAll(`[data-i18n-${attr}]`)) {
      el.setAttribute(attr, t(el.getAttribute(`data-i18n-${attr}`)));
    }
  }
}

document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
