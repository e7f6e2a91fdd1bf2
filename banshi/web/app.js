// Entry point: apply the theme, find out who is signed in (or ask), build the frame, and
// route. Views are registered here: route(pattern, view) with view = {mount, unmount}; a page
// that wants a sidebar entry calls addNavLink().
import { auth } from "./lib/api.js";
import { on } from "./lib/bus.js";
import { route, start, stop } from "./lib/router.js";
import { applyTheme } from "./lib/theme.js";
import { toastError } from "./lib/toast.js";
import { signIn } from "./auth/view.js";
import { chatView } from "./chat/view.js";
import { memoryView } from "./memory/view.js";
import { skillsView } from "./skills/view.js";
import "./actions/cards.js"; // action cards and tool lines in the chat
import "./skills/chat.js"; // a skill's progress and checked answer in the chat
import { actionsView } from "./actions/view.js";
import { startNotifications } from "./actions/notify.js";
import { t } from "./i18n/index.js";
import { buildLayout } from "./shell/layout.js";
import { addNavLink, buildSidebar } from "./shell/sidebar.js";

route("/", chatView);
route("/c/:id", chatView);
route("/memory", memoryView);
addNavLink({ href: "#/memory", icon: "memory", label: t("memory.title") });
route("/skills", skillsView);
addNavLink({ href: "#/skills", icon: "wand", label: t("skills.title") });
route("/actions", actionsView);
addNavLink({ href: "#/actions", icon: "check", label: t("actions.title") });

async function whoAmI(root) {
  try {
    return await auth.me();
  } catch (err) {
    if (err.status === 401) return signIn(root);
    throw err;
  }
}

async function main() {
  applyTheme();
  const root = document.getElementById("app");
  let user;
  try {
    user = await whoAmI(root);
  } catch (err) {
    toastError(err);
    return;
  }
  const outlet = buildLayout(root, buildSidebar(user));
  root.removeAttribute("aria-busy");
  await start(outlet);
  startNotifications(); // fired reminders as toasts
  // The session ended (signed out elsewhere, expired): sign in again, then start over.
  on("unauthorized", async () => {
    if (!root.classList.contains("shell")) return;
    stop();
    await signIn(root);
    location.reload();
  });
}

main();
