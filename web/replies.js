// Canned replies in the message box: typing "/" and part of a shortcut opens a list of the
// group's replies; arrows move, Enter or Tab puts the reply in place of "/…", Escape closes.

import { el, toast } from "./format.js";
import { api } from "./api.js";
import { t, errorText } from "./i18n.js";

let loading = null;

/** The person's group's replies, read once per page. */
function replies() {
  loading ??= api("GET", "/api/replies").then((r) => r.replies).catch(() => { loading = null; return []; });
  return loading;
}

export class Replies {
  constructor(input) {
    this.input = input;
    this.menu = el("ul.replies", { role: "listbox", hidden: true });
    this.shown = [];
    this.at = 0;
  }

  /** The "/word" being typed before the caret, if any. */
  token() {
    const before = this.input.value.slice(0, this.input.selectionStart);
    const match = before.match(/(^|\s)\/([^\s/]*)$/);
    return match ? { start: before.length - match[2].length - 1, word: match[2] } : null;
  }

  async onInput() {
    const token = this.token();
    if (!token) return this.hide();
    const all = await replies();
    const word = token.word.toLowerCase();
    this.shown = all.filter((r) => r.shortcut.toLowerCase().startsWith(word) || r.title.includes(token.word)).slice(0, 8);
    this.at = 0;
    this.draw();
  }

  draw() {
    this.menu.hidden = this.shown.length === 0;
    this.menu.replaceChildren(...this.shown.map((r, i) => el("li", {
      role: "option", "aria-selected": String(i === this.at), dataset: { shortcut: r.shortcut },
      onmousedown: (e) => { e.preventDefault(); this.insert(r); },
    }, el("b", { text: `/${r.shortcut}` }), ` ${r.title}`)));
  }

  hide() { this.menu.hidden = true; this.shown = []; }

  /** Handles a key while the list is open; true when the key was the list's. */
  onKey(e) {
    if (this.menu.hidden) return false;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      this.at = (this.at + (e.key === "ArrowDown" ? 1 : this.shown.length - 1)) % this.shown.length;
      this.draw();
    } else if ((e.key === "Enter" || e.key === "Tab") && !e.isComposing) {
      this.insert(this.shown[this.at]);
    } else if (e.key === "Escape") {
      this.hide();
    } else {
      return false;
    }
    e.preventDefault();
    return true;
  }

  insert(reply) {
    const token = this.token();
    if (!token || !reply) return this.hide();
    const value = this.input.value;
    const end = this.input.selectionStart;
    this.input.value = value.slice(0, token.start) + reply.body + value.slice(end);
    const caret = token.start + reply.body.length;
    this.input.setSelectionRange(caret, caret);
    this.hide();
    this.input.focus();
  }
}

/** The group's replies to look through, insert, add and remove. Resolves to the body to insert, or null. */
export function manageReplies() {
  return new Promise((resolve) => {
    const list = el("ul.reply-list");
    const shortcut = el("input", { id: "reply-shortcut", maxlength: 20, required: true, placeholder: t("replies.shortcut.placeholder") });
    const title = el("input", { id: "reply-title", maxlength: 50, required: true });
    const body = el("textarea", { id: "reply-body", maxlength: 2000, rows: 3, required: true });
    const error = el("div.error", { role: "alert" });
    const draw = async () => {
      loading = null;
      const all = await replies();
      list.replaceChildren(...(all.length ? all.map((r) => el("li", { dataset: { shortcut: r.shortcut } },
        el("div", {}, el("b", { text: `/${r.shortcut}` }), ` ${r.title}`),
        el("div.hint", { text: r.body }),
        el("div.row-actions", {},
          el("button.link", { type: "button", text: t("replies.insert"), onclick: () => done(r.body) }),
          el("button.link.danger-text", { type: "button", text: t("replies.remove"), onclick: async () => {
            try { await api("DELETE", `/api/replies/${r.id}`); draw(); } catch (err) { toast(errorText(err)); }
          } })))) : [el("li.hint", { text: t("replies.empty") })]));
    };
    const form = el("form.dialog", {},
      el("h2", { text: t("replies.title") }), list,
      el("h3", { text: t("replies.add") }),
      el("label", { for: "reply-shortcut", text: t("replies.shortcut") }), shortcut,
      el("label", { for: "reply-title", text: t("replies.name") }), title,
      el("label", { for: "reply-body", text: t("replies.body") }), body, error,
      el("div.dialog-buttons", {},
        el("button.secondary", { type: "button", text: t("dialog.close"), onclick: () => done(null) }),
        el("button", { type: "submit", text: t("replies.save") })));
    const box = el("dialog.transfer", { "aria-label": t("replies.title") }, form);
    const done = (value) => { box.close(); box.remove(); resolve(value); };
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      error.textContent = "";
      try {
        await api("POST", "/api/replies", { shortcut: shortcut.value.trim(), title: title.value.trim(), body: body.value.trim() });
        shortcut.value = title.value = body.value = "";
        draw();
      } catch (err) { error.textContent = errorText(err); }
    });
    box.addEventListener("cancel", (e) => { e.preventDefault(); done(null); });
    document.body.append(box);
    box.showModal();
    draw();
    shortcut.focus();
  });
}
