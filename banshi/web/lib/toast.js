// Short notices at the top of the page; errors stay longer and are announced to screen readers.
import { h, icon, iconButton } from "./dom.js";
import { t } from "../i18n/index.js";

export function toast(message, { type = "info", timeout } = {}) {
  const box = document.getElementById("toasts");
  const close = () => {
    item.classList.add("leaving");
    setTimeout(() => item.remove(), 200);
  };
  const item = h(`div.toast.toast-${type}`, { role: type === "error" ? "alert" : "status" },
    type === "error" ? icon("alert", 18) : null,
    h("span.toast-text", { title: message }, message),
    iconButton("close", t("common.close"), close, { size: 14, cls: "toast-close" }));
  box.append(item);
  setTimeout(close, timeout ?? (type === "error" ? 8000 : 2500));
  return item;
}

/** Show an error from the API (ApiError) or anything thrown. */
export function toastError(err) {
  if (err && err.name === "AbortError") return;
  console.error(err);
  toast(err && err.message ? err.message : t("error.generic"), { type: "error" });
}
