// A skill that answers in the chat (a math problem goes to the homework solver, see
// banshi/skills/route.py): its stages as a status line while it works, then a badge that says
// whether the answer was checked, and the program that computed it.
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

onEvent("skill", (turn, e) => {
  if (e.result) turn.assistant.setExtra("skill", outcome(e.skill, e.result));
  else if (e.stage) turn.assistant.setExtra("skill", h("p.skill-status", {}, t(`skills.stage.${e.stage}`)));
});
onMeta("skill", (view, result) => view.setExtra("skill", outcome(result?.name, result)));
