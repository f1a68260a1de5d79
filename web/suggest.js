// Answers offered while a clerk types a new request: knowledge-base articles, and resolved
// tickets of the clerk's unit, whose words match the title typed so far. Opening one shows it
// in place; when it answers the question the clerk says so and raises nothing, and the server
// counts the request given up. The server decides what is offered.

import { el } from "./format.js";
import { t } from "./i18n.js";
import { api } from "./api.js";
import { itemName } from "./tickets.js";

const WAIT_MS = 300;
const MIN_CHARS = 2;

/** Suggestions for the `title` input (and the chosen `item`); `onSolved` when the clerk says
 * an answer solved it. */
export function suggestions({ title, item, onSolved }) {
  const list = el("ul.suggestions");
  const view = el("section.answer-view", { hidden: true, tabindex: -1, "aria-label": t("suggest.answer") });
  const root = el("div.suggest", { hidden: true },
    el("div.suggest-title", { id: "suggest-title", text: t("suggest.title") }), list, view);
  list.setAttribute("aria-labelledby", "suggest-title");
  let timer = null;
  let asked = 0;
  let opened = null; // { kind: "article" | "ticket", id } the clerk read last

  const ask = async () => {
    const q = title.value.trim();
    const mine = ++asked;
    if ([...q].length < MIN_CHARS) return show([], []);
    try {
      const p = new URLSearchParams({ q: [...q].slice(0, 100).join(""), item: item.value });
      const found = await api("GET", `/api/knowledge/suggest?${p}`);
      if (mine === asked) show(found.articles, found.tickets);
    } catch {
      // Suggestions are a help, not a step: when they cannot be had, none are shown.
    }
  };
  title.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(ask, WAIT_MS); });
  item.addEventListener("change", () => { if (title.value.trim()) ask(); });

  function show(articles, tickets) {
    const entry = (kind, id, text, meta) => el("li", {},
      el("button.link.suggestion", { type: "button", dataset: { kind, id }, onclick: () => open(kind, id) },
        el("span.tag", { text: t(`suggest.${kind}`) }), el("span.q", { text }), el("span.hint", { text: meta })));
    list.replaceChildren(
      ...articles.map((a) => entry("article", a.id, firstLine(a.question), itemName(a.item_code ?? "") || "")),
      ...tickets.map((tk) => entry("ticket", tk.id, tk.title, `#${tk.id} · ${tk.unit_name}`)));
    root.hidden = list.children.length === 0 && view.hidden;
  }

  async function open(kind, id) {
    try {
      const shown = kind === "article" ? await article(id) : await ticket(id);
      opened = { kind, id };
      view.replaceChildren(...shown.filter(Boolean),
        el("div.answer-buttons", {},
          el("button.primary.solved", { type: "button", text: t("suggest.solved"), onclick: solved }),
          el("button.secondary", { type: "button", text: t("suggest.not_solved"), onclick: back })));
      view.hidden = false;
      root.hidden = false;
      view.focus();
    } catch {
      list.querySelector(`[data-kind=${kind}][data-id="${id}"]`)?.closest("li")?.remove();
    }
  }

  async function solved(e) {
    e.target.disabled = true;
    await report();
    reset();
    onSolved();
  }

  function back() {
    view.hidden = true;
    title.focus();
  }

  /** Tells the server the request was given up for what was read last, if anything was. */
  async function report() {
    const last = opened;
    opened = null;
    if (!last) return;
    const path = last.kind === "article" ? `/api/knowledge/${last.id}/solved` : `/api/tickets/${last.id}/helped`;
    await api("POST", path).catch(() => {});
  }

  function reset() {
    clearTimeout(timer);
    asked++;
    opened = null;
    list.replaceChildren();
    view.replaceChildren();
    view.hidden = true;
    root.hidden = true;
  }

  return { root, report, reset };
}

function firstLine(text) { return text.split("\n")[0]; }

async function article(id) {
  const { article: a } = await api("GET", `/api/knowledge/${id}`);
  const lines = a.question.split("\n");
  return [
    el("h3", { text: lines[0] }),
    lines.length > 1 ? el("div.question", { text: lines.slice(1).join("\n") }) : null,
    el("div.hint", { text: [a.item_code ? itemName(a.item_code) : null, `${a.author_name}（${a.author_unit}）`].filter(Boolean).join(" · ") }),
    el("div.answer", { text: a.answer }),
  ];
}

/** A resolved ticket: what was asked, and what the experts answered. */
async function ticket(id) {
  const { ticket: tk, events } = await api("GET", `/api/tickets/${id}`);
  const answers = events.filter((e) => e.kind === "message" && e.actor_role !== "clerk" && e.body);
  return [
    el("h3", { text: tk.title }),
    tk.body ? el("div.question", { text: tk.body }) : null,
    el("div.hint", { text: `#${tk.id} · ${tk.unit_name} · ${itemName(tk.item_code)}` }),
    ...answers.map((e) => el("div.answer", {}, el("span.who", { text: `${e.actor_name}：` }), e.body)),
  ];
}
