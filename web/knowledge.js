// The knowledge base (知识库): everyone searches the answers experts wrote down; an expert
// writes one, from scratch here or from a resolved ticket in its conversation. The server says
// who may write (`may_write`) and who may change or remove each answer (`may_change`).

import { el, toast } from "./format.js";
import { t, errorText } from "./i18n.js";
import { api } from "./api.js";
import { itemName, catalogueItems } from "./tickets.js";

/** What a person is told about an error concerning an answer. */
function problem(err) {
  return err.code === "not_found" ? t("knowledge.gone") : errorText(err);
}

export function knowledgePanel() {
  const q = el("input", { id: "kb-q", type: "search", maxlength: 100, placeholder: t("knowledge.q.placeholder") });
  const form = el("form.kb-search", { role: "search" },
    el("label", { for: "kb-q", text: t("knowledge.q") }),
    el("div.kb-row", {}, q, el("button", { type: "submit", text: t("knowledge.search") })));
  const write = el("button.secondary", { type: "button", text: t("knowledge.new"), hidden: true });
  const status = el("p.hint", { role: "status" });
  const list = el("ul.kb-list", { "aria-label": t("knowledge.open") });
  const load = async () => {
    const words = q.value.trim();
    status.textContent = t("find.busy");
    try {
      const found = await api("GET", `/api/knowledge?${new URLSearchParams(words ? { q: words } : {})}`);
      write.hidden = !found.may_write;
      list.replaceChildren(...found.articles.map((a) => entry(a, load)));
      status.textContent = !found.articles.length ? t("knowledge.empty")
        : words ? t("find.count", { n: found.articles.length }) : t("knowledge.newest");
    } catch (err) {
      status.textContent = errorText(err);
    }
  };
  form.addEventListener("submit", (e) => { e.preventDefault(); load(); });
  write.onclick = async () => {
    const saved = await articleDialog({
      heading: t("knowledge.dialog.new"), question: "", answer: "", item_code: "",
      save: (body) => api("POST", "/api/knowledge", body),
    });
    if (saved) { toast(t("knowledge.written")); load(); }
  };
  load();
  return el("section.knowledge-panel", {},
    el("div.kb-head", {}, el("h1", { tabindex: -1, text: t("knowledge.title") }), write),
    form, status, list);
}

/** One answer in the list: its question, where it is from and a snippet; opened in place. */
function entry(a, reload) {
  const body = el("div.kb-body", { hidden: true });
  const toggle = el("button.link.kb-question", { type: "button", "aria-expanded": "false", dataset: { article: a.id } }, a.question.split("\n")[0]);
  const li = el("li", { dataset: { article: a.id } },
    toggle,
    el("div.hint", { text: meta(a) }),
    el("div.kb-snippet", { text: a.snippet ?? "" }),
    body);
  toggle.onclick = async () => {
    const open = toggle.getAttribute("aria-expanded") === "true";
    if (open) {
      toggle.setAttribute("aria-expanded", "false");
      body.hidden = true;
      li.querySelector(".kb-snippet").hidden = false;
      return;
    }
    try {
      const { article } = await api("GET", `/api/knowledge/${a.id}`);
      body.replaceChildren(...whole(article, reload));
      toggle.setAttribute("aria-expanded", "true");
      body.hidden = false;
      li.querySelector(".kb-snippet").hidden = true;
    } catch (err) { toast(problem(err)); }
  };
  return li;
}

function meta(a) {
  const date = new Date(a.created_at).toLocaleDateString("zh-CN");
  return [a.item_code ? itemName(a.item_code) : t("knowledge.no_item"), `${a.author_name}（${a.author_unit}）`, date,
    t("knowledge.helped", { n: a.solved }), a.ticket_id ? t("knowledge.from_ticket", { id: a.ticket_id }) : null]
    .filter(Boolean).join(" · ");
}

function whole(article, reload) {
  const rest = article.question.split("\n").slice(1).join("\n");
  return [
    rest ? el("div.question", { text: rest }) : null,
    el("div.answer", { text: article.answer }),
    article.may_change ? el("div.row-actions", {},
      el("button.link", { type: "button", text: t("knowledge.change"), onclick: async () => {
        const saved = await articleDialog({
          heading: t("knowledge.dialog.change"), ...article,
          save: (body) => api("PATCH", `/api/knowledge/${article.id}`, body),
        });
        if (saved) { toast(t("knowledge.saved")); reload(); }
      } }),
      el("button.link.danger-text", { type: "button", text: t("knowledge.remove"), onclick: async () => {
        if (!confirm(t("knowledge.remove.confirm"))) return;
        try { await api("DELETE", `/api/knowledge/${article.id}`); toast(t("knowledge.removed")); reload(); } catch (err) { toast(problem(err)); }
      } })) : null,
  ].filter(Boolean);
}

/** A dialog to write or change an answer: question, answer and service item, prefilled.
 * `save(body)` sends it; resolves to what it answered, or null when cancelled. */
export function articleDialog({ heading, question, answer, item_code, save }) {
  return new Promise((resolve) => {
    const q = el("textarea", { id: "kb-question", rows: 3, maxlength: 1000, required: true });
    const a = el("textarea", { id: "kb-answer", rows: 6, maxlength: 4000, required: true });
    q.value = question ?? "";
    a.value = answer ?? "";
    const item = el("select", { id: "kb-item" }, el("option", { value: "", text: t("knowledge.no_item") }),
      ...catalogueItems().map((i) => el("option", { value: i.code, text: `${i.code} ${i.name}` })));
    item.value = item_code ?? "";
    const error = el("div.error", { role: "alert" });
    const submit = el("button", { type: "submit", text: t("knowledge.save") });
    const form = el("form.dialog", {},
      el("h2", { text: heading }),
      el("label", { for: "kb-question", text: t("knowledge.question") }), q,
      el("label", { for: "kb-answer", text: t("knowledge.answer") }), a,
      el("label", { for: "kb-item", text: t("knowledge.item") }), item, error,
      el("div.dialog-buttons", {},
        el("button.secondary", { type: "button", text: t("dialog.cancel"), onclick: () => done(null) }), submit));
    const box = el("dialog.transfer.kb-dialog", { "aria-label": heading }, form);
    const done = (value) => { box.close(); box.remove(); resolve(value); };
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      error.textContent = "";
      submit.disabled = true;
      try {
        const { article } = await save({ question: q.value.trim(), answer: a.value.trim(), item_code: item.value });
        done(article);
      } catch (err) {
        error.textContent = problem(err);
        submit.disabled = false;
      }
    });
    box.addEventListener("cancel", (e) => { e.preventDefault(); done(null); });
    document.body.append(box);
    box.showModal();
    (q.value ? a : q).focus();
  });
}
