// Sign in or create an account (multi-user mode: GET /api/me answered 401).
import { auth } from "../lib/api.js";
import { h } from "../lib/dom.js";
import { t } from "../i18n/index.js";

/** Show the form in `root`; resolves once the user is signed in. */
export function signIn(root) {
  return new Promise((resolve) => {
    let mode = "login";
    const title = h("h1.auth-title");
    const username = h("input", { name: "username", autocomplete: "username", required: true, maxlength: 64 });
    const password = h("input", { name: "password", type: "password", required: true });
    const error = h("p.auth-error", { role: "alert", hidden: true });
    const submit = h("button.btn.btn-primary.auth-submit", { type: "submit" });
    const switcher = h("button.link.auth-switch", { type: "button", onclick: () => setMode(mode === "login" ? "register" : "login") });
    const form = h("form.auth-card", { onsubmit: go },
      h("img.auth-logo", { src: "/static/favicon.svg", alt: "" }),
      title,
      h("label", {}, h("span", {}, t("auth.username")), username),
      h("label", {}, h("span", {}, t("auth.password")), password),
      error, submit, switcher);

    function setMode(next) {
      mode = next;
      title.textContent = mode === "login" ? t("auth.title") : t("auth.registerTitle");
      submit.textContent = mode === "login" ? t("auth.signIn") : t("auth.register");
      switcher.textContent = mode === "login" ? t("auth.toRegister") : t("auth.toSignIn");
      password.autocomplete = mode === "login" ? "current-password" : "new-password";
      error.hidden = true;
    }

    async function go(event) {
      event.preventDefault();
      error.hidden = true;
      submit.disabled = true;
      try {
        if (mode === "register") await auth.register(username.value.trim(), password.value);
        await auth.login(username.value.trim(), password.value);
        resolve(await auth.me());
      } catch (err) {
        error.textContent = err.message || t("error.generic");
        error.hidden = false;
      } finally {
        submit.disabled = false;
      }
    }

    setMode("login");
    root.classList.remove("shell", "sidebar-open");
    root.replaceChildren(h("div.auth", {}, form));
    username.focus();
  });
}
