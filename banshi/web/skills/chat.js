// A skill that answers in the chat (banshi/skills/route.py: a math problem goes to the homework
// solver, a recording to its minutes, a picture to the image skill…): its stages as a status
// line while it works, then, for a checked answer, a badge that says whether it was checked and
// the program (or expression) that computed it.
import { h } from "../lib/dom.js";
import { t } from "../i18n/index.js";
import { onEvent, onMeta } from "../chat/renderers.js";

/** The badge and program (for a calculation: the expression) of a `skill`'s result; empty when
 * no program reached an answer (the model answered). */
function outcome(skill, result) {
  if (!result?.answer) return h("div.skill-outcome");
  const shown = skill === "calculator" ? t("skills.calculator.expression") : t("skills.homework.program");
  return h("div.skill-outcome", {},
    h(`span.badge${result.verified ? ".ok" : ".warn"}`, { title: result.check || "" },
      result.verified ? t("skills.homework.verified") : t("skills.homework.unverified")),
    result.program ? h("details.skill-program", {}, h("summary", {}, shown),
      h("pre", {}, result.program)) : null);
}

const clock = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;

onEvent("skill", (turn, e) => {
  if (e.result) turn.assistant.setExtra("skill", outcome(e.skill, e.result));
  else if (e.stage) {
    // a recording's transcription tells how far it has got: 正在转写… 1:30 / 3:00
    const done = e.seconds ? ` ${clock(e.seconds)}${e.total ? ` / ${clock(e.total)}` : ""}` : "";
    turn.assistant.setExtra("skill", h("p.skill-status", {}, t(`skills.stage.${e.stage}`) + done));
  }
});
onMeta("skill", (view, result) => view.setExtra("skill", outcome(result?.name, result)));
