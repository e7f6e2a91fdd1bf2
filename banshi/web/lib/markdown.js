// Markdown to safe HTML: marked for the syntax, KaTeX for math ($…$, $$…$$, \(…\), \[…\]),
// highlight.js for code, and DOMPurify over the result — the model's text is untrusted.
// enhanceCode() then adds a header with the language and a copy button to each code block.
import { Marked } from "../vendor/marked/marked.esm.js";
import DOMPurify from "../vendor/dompurify/purify.es.js";
import hljs from "../vendor/highlight/highlight.min.js";
import "../vendor/katex/katex.min.js"; // UMD build: defines globalThis.katex
import { copyText, flashCopied, h, icon } from "./dom.js";
import { toastError } from "./toast.js";
import { t } from "../i18n/index.js";

const katex = globalThis.katex;

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function tex(source, display) {
  const html = katex.renderToString(source.trim(), { displayMode: display, throwOnError: false, output: "htmlAndMathml" });
  return display ? `<div class="math-display">${html}</div>` : html;
}

// Math is tokenised before markdown sees it, so "_" and "*" inside formulas stay intact.
const INLINE_MATH = [
  { re: /^\$\$(?!\$)([\s\S]+?)\$\$/, display: true },
  { re: /^\\\[([\s\S]+?)\\\]/, display: true },
  { re: /^\\\(([\s\S]+?)\\\)/, display: false },
  // $x$: no space just inside the dollars and no digit right after (so "$5 and $6" is money)
  { re: /^\$(?![\s$])((?:\\[\s\S]|[^\\\n$])+?)(?<!\s)\$(?!\d)/, display: false },
];

const BLOCK_MATH = [/^ {0,3}\$\$([\s\S]+?)\$\$[ \t]*(?:\n+|$)/, /^ {0,3}\\\[([\s\S]+?)\\\][ \t]*(?:\n+|$)/];

const mathExtension = {
  extensions: [
    {
      name: "mathBlock",
      level: "block",
      start: (src) => src.match(/^ {0,3}(?:\$\$|\\\[)/m)?.index,
      tokenizer(src) {
        for (const re of BLOCK_MATH) {
          const m = re.exec(src);
          if (m) return { type: "mathBlock", raw: m[0], text: m[1] };
        }
        return undefined;
      },
      renderer: (token) => tex(token.text, true),
    },
    {
      name: "mathInline",
      level: "inline",
      start: (src) => src.match(/\$|\\[([]/)?.index,
      tokenizer(src) {
        for (const { re, display } of INLINE_MATH) {
          const m = re.exec(src);
          if (m) return { type: "mathInline", raw: m[0], text: m[1], display };
        }
        return undefined;
      },
      renderer: (token) => tex(token.text, token.display),
    },
  ],
};

// Guessing a block's language tries every grammar: skipped while text streams in (it would
// run on every frame), done once the answer is complete.
let guessLanguage = true;

function highlight(code, lang) {
  if (lang && hljs.getLanguage(lang)) return hljs.highlight(code, { language: lang, ignoreIllegals: true }).value;
  if (!lang && guessLanguage && code.length < 20000) return hljs.highlightAuto(code).value;
  return escapeHtml(code);
}

const marked = new Marked(
  { gfm: true, breaks: false },
  mathExtension,
  {
    renderer: {
      code({ text, lang }) {
        const language = ((lang || "").match(/^[\w+#.-]*/) || [""])[0].toLowerCase();
        return `<pre><code class="hljs${language ? ` language-${language}` : ""}" data-lang="${escapeHtml(language)}">${highlight(text, language)}</code></pre>\n`;
      },
    },
  },
);

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A" && node.getAttribute("href")) {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer");
  }
});

/** Markdown → sanitised HTML string; `partial`: the text is still streaming in. */
export function renderMarkdown(text, { partial = false } = {}) {
  guessLanguage = !partial;
  const html = marked.parse(text || "");
  return DOMPurify.sanitize(html, { ADD_ATTR: ["target"], FORBID_TAGS: ["style", "form", "button"] });
}

/** Give every code block in `root` a header with its language and a copy button. */
export function enhanceCode(root) {
  for (const pre of root.querySelectorAll("pre")) {
    if (pre.parentElement.classList.contains("code-block")) continue;
    const code = pre.querySelector("code");
    const lang = code?.dataset.lang || "";
    const copy = h("button.code-copy", { type: "button", title: t("chat.copyCode"), "aria-label": t("chat.copyCode") },
      icon("copy", 14), h("span", {}, t("chat.copy")));
    copy.addEventListener("click", async () => {
      try {
        await copyText((code || pre).textContent);
        flashCopied(copy, t("chat.copied"));
      } catch (err) {
        toastError(err);
      }
    });
    const block = h("div.code-block", {}, h("div.code-head", {}, h("span.code-lang", {}, lang || "text"), copy));
    pre.replaceWith(block);
    block.append(pre);
  }
}

/** Render markdown into `el` (replacing its content). */
export function renderInto(el, text, options) {
  el.innerHTML = renderMarkdown(text, options);
  enhanceCode(el);
}
