// A modal confirmation built on <dialog>; resolves true when the user confirms.
import { h } from "./dom.js";
import { t } from "../i18n/index.js";

export function confirmDialog({ title, message, confirmLabel, danger = false }) {
  return new Promise((resolve) => {
    const dialog = h("dialog.dialog", { "aria-labelledby": "dialog-title" },
      h("form", { method: "dialog" },
        h("h2.dialog-title", { id: "dialog-title" }, title),
        h("p.dialog-body", {}, message),
        h("div.dialog-actions", {},
          h("button.btn", { value: "cancel", type: "submit" }, t("common.cancel")),
          h(`button.btn.${danger ? "btn-danger" : "btn-primary"}`, { value: "ok", type: "submit" }, confirmLabel))));
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "ok");
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector(`button[value="ok"]`).focus();
  });
}
