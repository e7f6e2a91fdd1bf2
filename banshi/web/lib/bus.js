// An app-wide event bus, so parts that do not know each other can react to the same facts:
// "conversations-changed" (the sidebar reloads), "unauthorized" (show the sign-in form).
export const bus = new EventTarget();

export function emit(type, detail) {
  bus.dispatchEvent(new CustomEvent(type, { detail }));
}

export function on(type, handler) {
  const listener = (e) => handler(e.detail);
  bus.addEventListener(type, listener);
  return () => bus.removeEventListener(type, listener);
}
