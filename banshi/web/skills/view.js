// The Skills page ("#/skills"): the assistant's skills as forms — 拍照讲题 / homework (a typed
// problem or a photo, solved by checked programs), writing, translation and drawing — over
// /api/skills/* and /v1/images/generations (banshi/api/routers/skills.py, images.py). Long
// answers stream: the homework's stages and explanation, a translation piece by piece, a
// recording's transcription progress before its minutes (summary, decisions, action items).
import { api, ApiError, events } from "../lib/api.js";
import { h } from "../lib/dom.js";
import { renderInto } from "../lib/markdown.js";
import { toastError } from "../lib/toast.js";
import { t } from "../i18n/index.js";
import { setTitle } from "../shell/layout.js";

/** A skill's form: `fields`, a run button, and the output `run(out)` fills; one run at a time. */
function skillForm(name, fields, run) {
  const out = h("div.skill-out", { "aria-live": "polite" });
  const button = h("button.btn.skill-run", { type: "submit" }, t(`skills.${name}.run`));
  return h(`form.skill.skill-${name}`, {
    onsubmit: async (e) => {
      e.preventDefault();
      button.disabled = true;
      out.replaceChildren();
      try {
        await run(out);
      } catch (err) {
        out.append(h("p.skill-error", {}, err.message || String(err)));
        toastError(err);
      } finally {
        button.disabled = false;
      }
    },
  }, h("h2", {}, t(`skills.${name}.title`)), h("p.page-intro", {}, t(`skills.${name}.intro`)), ...fields,
  h("div.skill-actions", {}, button), out);
}

/** A skill's event stream into `out`: stages as a status line, text as Markdown; the result event. */
async function streamed(path, body, out) {
  const status = h("p.skill-status");
  const text = h("div.skill-text.markdown");
  out.append(status, text);
  let written = "";
  for await (const e of events(path, { ...body, stream: true })) {
    if (e.type === "stage") status.textContent = t(`skills.stage.${e.stage}`);
    else if (e.type === "delta" || e.type === "piece") renderInto(text, (written += e.text), { partial: true });
    else if (e.type === "error") throw new ApiError(422, e.error.code, e.error.message);
    else if (e.type === "result") {
      status.hidden = true;
      return { result: e, text };
    }
  }
  throw new ApiError(0, "stream_ended", t("error.network"));
}

/** The interface's word for `key`, or `fallback` for a name the server added since (an option). */
function said(key, fallback) {
  const text = t(key);
  return text === key ? fallback : text;
}

function field(label, control) {
  return h("label.skill-field", {}, h("span", {}, label), control);
}

function select(name, values, labelOf = (v) => v, chosen = "") {
  return h(`select.skill-${name}`, {}, ...values.map((v) => h("option", { value: v, selected: v === chosen }, labelOf(v))));
}

function readAsDataUrl(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

function homework(info) {
  const problem = h("textarea.skill-input", { rows: 4, placeholder: t("skills.homework.placeholder") });
  const photo = h("input.skill-photo", { type: "file", accept: "image/*" });
  const level = select("level", info.homework.levels, (v) => t(`skills.level.${v}`));
  return skillForm("homework", [problem, field(t("skills.homework.photo"), photo), field(t("skills.homework.level"), level)],
    async (out) => {
      const file = photo.files?.[0];
      const body = { problem: problem.value.trim() || null, level: level.value };
      if (file) body.image_base64 = await readAsDataUrl(file);
      const { result, text } = await streamed("/api/skills/homework", body, out);
      const r = result.result;
      if (r.source === "photo") out.prepend(h("p.skill-read", {}, t("skills.homework.read"), " ", r.problem));
      text.before(h("p.skill-answer", {}, t("skills.homework.answer"), " ", h("strong", {}, r.answer ?? "—"), " ",
        h(`span.badge${r.verified ? ".ok" : ".warn"}`, {}, r.verified ? t("skills.homework.verified") : t("skills.homework.unverified"))));
      if (r.notice) text.before(h("p.skill-notice", {}, r.notice));
      if (r.program) out.append(h("details.skill-program", {}, h("summary", {}, t("skills.homework.program")), h("pre", {}, r.program)));
    });
}

function writing(info) {
  const skills = info.writing;
  const skill = select("skill", skills.map((s) => s.name), (n) => said(`skills.writing.${n}`, n));
  const params = h("div.skill-params");
  const showParams = () => {
    const chosen = skills.find((s) => s.name === skill.value);
    params.replaceChildren(...chosen.params.map((p) => {
      const control = p.choices.length ? select("param", p.choices, (v) => said(`skills.value.${v}`, v), p.default)
        : h("input.skill-param", { type: "text", placeholder: p.default || p.description });
      control.dataset.param = p.name;
      return field(said(`skills.param.${p.name}`, p.name), control);
    }));
  };
  skill.addEventListener("change", showParams);
  showParams();
  const text = h("textarea.skill-input", { rows: 6, placeholder: t("skills.writing.placeholder") });
  return skillForm("writing", [field(t("skills.writing.skill"), skill), params, text], async (out) => {
    const chosen = Object.fromEntries([...params.querySelectorAll("[data-param]")]
      .filter((c) => c.value.trim()).map((c) => [c.dataset.param, c.value.trim()]));
    await streamed("/api/skills/write", { skill: skill.value, text: text.value, params: chosen }, out);
  });
}

function translation(info) {
  const text = h("textarea.skill-input", { rows: 6, placeholder: t("skills.translate.placeholder") });
  const target = select("target", ["", ...info.languages], (v) => v || t("skills.translate.auto"));
  const glossary = h("textarea.skill-glossary", { rows: 2, placeholder: t("skills.translate.glossary") });
  return skillForm("translate", [text, field(t("skills.translate.target"), target), glossary], async (out) => {
    const terms = Object.fromEntries(glossary.value.split("\n").map((line) => line.split("="))
      .filter((pair) => pair.length === 2 && pair[0].trim() && pair[1].trim()).map(([a, b]) => [a.trim(), b.trim()]));
    const { result } = await streamed("/api/skills/translate",
      { text: text.value, target: target.value || null, glossary: Object.keys(terms).length ? terms : null }, out);
    if (result.glossary_missing?.length) out.append(h("p.skill-notice", {}, t("skills.translate.missing"), " ", result.glossary_missing.join(", ")));
  });
}

function clock(seconds) {
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function recording() {
  const file = h("input.skill-audio", { type: "file", accept: "audio/*,.mp3,.m4a,.wav,.ogg,.flac,.webm,.aac" });
  return skillForm("minutes", [field(t("skills.minutes.file"), file)], async (out) => {
    const chosen = file.files?.[0];
    if (!chosen) throw new Error(t("skills.minutes.none"));
    const status = h("p.skill-status", {}, t("skills.stage.uploading"));
    out.append(status);
    const form = new FormData();
    form.append("file", chosen, chosen.name);
    form.append("purpose", "assistants");
    const { id } = await api("/v1/files", { method: "POST", body: form });
    let transcript = null;
    for await (const e of events(`/v1/files/${encodeURIComponent(id)}/transcript`, { stream: true })) {
      if (e.type === "transcript.progress") {
        status.textContent = `${t("skills.stage.transcribing")} ${clock(e.seconds)}${e.total ? ` / ${clock(e.total)}` : ""}`;
      } else if (e.type === "error") throw new ApiError(422, e.error.code, e.error.message);
      else if (e.type === "transcript.done") transcript = e;
    }
    if (!transcript) throw new ApiError(0, "stream_ended", t("error.network"));
    // the transcript first: it stays when the minutes cannot be made
    const full = h("details.skill-transcript", {}, h("summary", {}, t("skills.minutes.transcript")),
      ...transcript.segments.map((seg) => h("p", {}, h("span.skill-time", {}, `[${clock(seg.start)}] `), seg.text)));
    out.append(full);
    status.textContent = t("skills.stage.summarizing");
    const m = await api(`/v1/files/${encodeURIComponent(id)}/minutes`, { method: "POST", body: {} });
    status.hidden = true;
    const list = (title, items) => items.length ? [h("h3", {}, title), h("ul", {}, ...items.map((i) => h("li", {}, i)))] : [];
    full.before(
      h("h3", {}, t("skills.minutes.summary")), h("p.skill-summary", {}, m.summary),
      ...list(t("skills.minutes.decisions"), m.decisions),
      ...list(t("skills.minutes.actions"), m.action_items.map((a) => Object.values(a).filter(Boolean).join(" · "))));
  });
}

function drawing() {
  const prompt = h("textarea.skill-input", { rows: 3, placeholder: t("skills.images.placeholder") });
  return skillForm("images", [prompt], async (out) => {
    out.append(h("p.skill-status", {}, t("skills.stage.drawing")));
    const made = await api("/v1/images/generations", { method: "POST", body: { prompt: prompt.value, response_format: "b64_json" } });
    out.replaceChildren(...made.data.map((d) => h("img.skill-image", { src: `data:image/png;base64,${d.b64_json}`, alt: prompt.value })));
  });
}

export const skillsView = {
  async mount(outlet) {
    setTitle(t("skills.title"));
    const info = await api("/api/skills");
    outlet.append(h("section.page.skills-page", {}, homework(info), writing(info), translation(info), recording(),
      drawing()));
  },
  unmount() {},
};
