// A small hash router. A view is {mount(outlet, params), unmount?()}; register it with
// route("/memory", memoryView) and link to "#/memory". Patterns may hold ":name" parts.
const routes = [];
let outlet = null;
let current = null; // {view, params, path}
const listeners = new Set();

export function route(pattern, view) {
  const keys = [];
  const source = pattern.replace(/:(\w+)/g, (_, key) => {
    keys.push(key);
    return "([^/]+)";
  });
  routes.push({ regex: new RegExp(`^${source}/?$`), keys, view });
}

export function currentPath() {
  return location.hash.replace(/^#/, "") || "/";
}

export function navigate(path) {
  if (currentPath() === path) render();
  else location.hash = path;
}

/** Change the address without re-rendering (the current view already shows `path`). */
export function replace(path) {
  history.replaceState(null, "", `#${path}`);
  if (current) current.path = path;
  notify(path);
}

export function onRoute(fn) {
  listeners.add(fn);
}

function notify(path) {
  for (const fn of listeners) fn(path);
}

function match(path) {
  for (const r of routes) {
    const m = r.regex.exec(path);
    if (m) {
      const params = {};
      r.keys.forEach((key, i) => (params[key] = decodeURIComponent(m[i + 1])));
      return { view: r.view, params };
    }
  }
  return null;
}

async function render() {
  const path = currentPath();
  const found = match(path) || match("/");
  if (current && current.view.unmount) current.view.unmount();
  current = { ...found, path };
  outlet.replaceChildren();
  notify(path);
  await found.view.mount(outlet, found.params);
}

export function start(element) {
  outlet = element;
  window.addEventListener("hashchange", render);
  return render();
}

export function stop() {
  window.removeEventListener("hashchange", render);
  if (current && current.view.unmount) current.view.unmount();
  current = null;
}
