// Light and dark: follow prefers-color-scheme until the user picks one, then remember it.
// (index.html applies the same rule inline before first paint.)
const KEY = "banshi.theme";
const media = matchMedia("(prefers-color-scheme: dark)");
const listeners = new Set();

function saved() {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function currentTheme() {
  const choice = saved();
  return choice === "dark" || choice === "light" ? choice : media.matches ? "dark" : "light";
}

export function applyTheme() {
  const theme = currentTheme();
  document.documentElement.dataset.theme = theme;
  const light = document.getElementById("hljs-light");
  const dark = document.getElementById("hljs-dark");
  if (light) light.disabled = theme === "dark";
  if (dark) dark.disabled = theme !== "dark";
  for (const fn of listeners) fn(theme);
}

export function toggleTheme() {
  try {
    localStorage.setItem(KEY, currentTheme() === "dark" ? "light" : "dark");
  } catch {
    // storage blocked: the toggle still works for this page
    document.documentElement.dataset.theme = currentTheme() === "dark" ? "light" : "dark";
  }
  applyTheme();
}

export function onThemeChange(fn) {
  listeners.add(fn);
}

media.addEventListener("change", () => {
  if (!saved()) applyTheme();
});
