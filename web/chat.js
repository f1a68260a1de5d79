// One ticket's conversation: a header with what the ticket is and the buttons the server says
// this person may use (writing a finished one into the knowledge base among them), the clerk's
// request at the top of the log, the ordered log with messages and internal notes, and a
// composer shown only where the server lets this person write. Messages show as sending until
// the server acknowledges them.

import { el, clock, duration, toast, ACCEPT_ATTR } from "./format.js";
import { t, errorText } from "./i18n.js";
import { api } from "./api.js";
import { itemName, stateBadge, flagChips, deadline } from "./tickets.js";

const MOVES = ["claim", "transfer", "wait", "refer", "resume", "resolve", "close", "reopen", "rate"];
const STYLE = { claim: "primary", resolve: "primary", rate: "primary", close: "danger" };

export class ChatPane {
  constructor({ ticket, me, live }) {
    this.ticket = ticket;
    this.me = me;
    this.live = live;
    this.seqs = new Set();
    this.pending = new Map(); // client id → bubble
    this.presence = new Map();
    this.internal = false;
    this.chosen = null; // "reply" or "note" once the writer picks one
    this.root = el("section.chat", { "aria-label": ticket.title, dataset: { ticket: ticket.id } });
    this.header = el("header");
    this.request = el("div.request", { hidden: true });
    this.log = el("div.log", { role: "log", "aria-live": "polite" }, this.request);
    this.typingLine = el("div.typing");
    this.input = el("textarea", { "aria-label": t("chat.input"), maxlength: 4000, rows: 2 });
    this.sendButton = el("button.send", { type: "button", text: t("chat.send"), onclick: () => this.submit() });
    // Canned replies load with the first "/" typed: a clerk never needs them.
    this.replies = null;
    this.repliesSlot = el("div.replies-slot", { hidden: true });
    this.input.addEventListener("keydown", (e) => {
      if (this.replies?.onKey(e)) return;
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); this.submit(); }
    });
    this.input.addEventListener("input", () => {
      if (this.replies) this.replies.onInput();
      else if (this.input.value.includes("/")) this.loadReplies();
      if (!this.internal) this.announceTyping();
    });
    this.picker = el("input", { type: "file", accept: ACCEPT_ATTR, hidden: true, onchange: () => this.attach() });
    this.attachButton = el("button.secondary.attach", {
      type: "button", text: t("chat.attach"), title: t("chat.attach.hint"), onclick: () => this.picker.click(),
    });
    this.modes = el("div.modes", { role: "radiogroup", "aria-label": t("chat.mode") });
    // An expert's group keeps canned replies: look through them, add, remove.
    this.repliesButton = me.group_name ? el("button.secondary.replies-button", {
      type: "button", text: t("replies.open"), onclick: async () => {
        const { manageReplies } = await import("./replies.js");
        const text = await manageReplies();
        if (text) { this.input.value = text; this.input.focus(); }
      },
    }) : null;
    this.readOnly = el("div.read-only", { text: t("chat.read_only") });
    this.composer = el("div.composer", {}, this.modes,
      el("div.compose-row", {}, this.input, el("div.buttons", {}, this.repliesButton, this.attachButton, this.sendButton)),
      this.repliesSlot, this.picker);
    this.root.append(this.header, this.log, this.typingLine, this.composer, this.readOnly);
    this.renderHeader();
    for (const m of live.pendingFor(ticket.id)) this.showPending(m.client_id, m.text, m.at, m.file, m.internal);
  }

  async loadReplies() {
    if (this.loadingReplies) return;
    this.loadingReplies = true;
    const { Replies } = await import("./replies.js");
    this.replies = new Replies(this.input);
    this.repliesSlot.replaceWith(this.replies.menu);
    this.replies.onInput();
  }

  mine(actorId) { return actorId === this.me.id; }

  may(action) { return (this.ticket.actions ?? []).includes(action); }

  renderHeader() {
    const tk = this.ticket;
    const seen = (id) => t(`presence.${this.presence.get(id) ?? "offline"}`);
    // The clerk sees their expert; everyone else sees both sides.
    const party = this.mine(tk.creator_id)
      ? (tk.assignee_id ? t("chat.with", { name: tk.assignee_name, status: seen(tk.assignee_id) }) : t("chat.unassigned"))
      : [t("chat.clerk", { name: tk.creator_name, status: seen(tk.creator_id) }),
        this.mine(tk.assignee_id) ? t("chat.handler.me")
          : tk.assignee_id ? t("chat.handler", { name: tk.assignee_name, status: seen(tk.assignee_id) }) : t("chat.unassigned")].join(" · ");
    const open = tk.state === "new" || tk.state === "claimed" || tk.state === "waiting";
    const age = open ? ` · ${t("waited", { d: duration(Date.now() - tk.created_at) })}` : "";
    const back = el("button.link.back", {
      type: "button", text: t("chat.back"), onclick: () => this.root.dispatchEvent(new CustomEvent("back", { bubbles: true })),
    });
    this.header.replaceChildren(
      el("div.heading", {}, back, el("h2", { text: `#${tk.id} ${tk.title}` })),
      el("div.actions", {}, stateBadge(tk.state), flagChips(tk), ...this.buttons(), this.articleButton()),
      el("div.meta", {},
        `${tk.unit_name} · ${itemName(tk.item_code)} · ${t(`kind.${tk.kind}`)} · `,
        el(`span.tier.${tk.difficulty}`, { text: t(`tier.${tk.difficulty}`) }),
        tk.service?.waiting_on === "backoffice" ? ` · ${t("sla.backoffice")}` : "",
        deadline(tk) ? " · " : "", deadline(tk),
        tk.rating ? ` · ${t(`score.${tk.rating}`)}` : "",
        `${age} · ${party}`));
    this.renderRequest();
    this.renderComposer();
  }

  /** The clerk's request as raised: who, where, when and the details they wrote. */
  renderRequest() {
    const tk = this.ticket;
    if (tk.body === undefined) return;
    this.request.hidden = false;
    this.request.replaceChildren(
      el("div.who", { text: `${tk.creator_name} · ${tk.unit_name} · ${clock(tk.created_at)}` }),
      el("div.label", { text: t("chat.request") }),
      el("div.text", { text: tk.body || t("chat.request.empty") }));
  }

  /** A message box where the server lets this person write; a note box for staff. */
  renderComposer() {
    const send = this.may("send"), note = this.may("note");
    // A reply where one may reply, unless the writer chose a note; a note where only that is open.
    this.internal = note && (!send || this.chosen === "note");
    this.composer.hidden = !send && !note;
    this.readOnly.hidden = send || note;
    this.readOnly.textContent = this.ticket.state === "resolved" || this.ticket.state === "closed"
      ? t("chat.finished") : t("chat.read_only");
    this.modes.hidden = !note;
    if (!send) {
      // Only a note is open: say why there is no reply.
      const why = this.may("claim") ? "chat.note_only.claim" : "chat.note_only";
      this.modes.replaceChildren(el("span.hint", { text: t(why) }));
    } else this.modes.replaceChildren(...[["reply", false], ["note", true]].map(([name, internal]) => el("button.mode", {
      type: "button", role: "radio", "aria-checked": String(this.internal === internal), dataset: { mode: name },
      text: t(`chat.mode.${name}`), onclick: () => { this.chosen = internal ? "note" : "reply"; this.renderComposer(); this.input.focus(); },
    })));
    this.composer.classList.toggle("note-mode", this.internal);
    this.input.placeholder = this.internal ? t("chat.note.input") : t("chat.input");
    this.attachButton.hidden = this.internal;
  }

  /** The moves the server lists for this person now, and nothing else. */
  buttons() {
    return MOVES.filter((a) => this.may(a)).map((a) => el(`button.${STYLE[a] ?? "secondary"}`, {
      type: "button", text: t(`action.${a}`), dataset: { action: a }, onclick: (e) => this.act(a, e.target),
    }));
  }

  /** "写入知识库" on a resolved or closed ticket, where the server says this person may write
   * it into the knowledge base (asked once per state the ticket reaches). */
  articleButton() {
    const tk = this.ticket;
    if (tk.state !== "resolved" && tk.state !== "closed") return null;
    if (this.article?.state !== tk.state) {
      const asked = this.article = { state: tk.state, draft: null };
      api("GET", `/api/tickets/${tk.id}/article`).then((found) => {
        asked.draft = found.may_write ? found.draft : null;
        if (asked.draft && this.article === asked) this.renderHeader();
      }, () => {});
    }
    if (!this.article.draft) return null;
    return el("button.secondary", { type: "button", text: t("knowledge.write_ticket"), dataset: { action: "article" }, onclick: () => this.writeArticle() });
  }

  async writeArticle() {
    const id = this.ticket.id;
    const { articleDialog } = await import("./knowledge.js");
    const saved = await articleDialog({
      heading: t("knowledge.dialog.ticket", { id }), ...this.article.draft,
      save: (body) => api("POST", `/api/tickets/${id}/article`, body),
    });
    if (saved) toast(t("knowledge.written"));
  }

  async act(action, button) {
    if (action === "resolve" && !confirm(t("action.confirm.resolve"))) return;
    let body = {};
    if (action === "rate") {
      const { rateDialog } = await import("./rating.js");
      body = await rateDialog();
      if (!body) return;
    }
    if (action === "transfer") {
      const { transferDialog } = await import("./transfer.js");
      body = await transferDialog(this.ticket);
      if (!body) return;
    }
    button.disabled = true;
    try {
      const { ticket } = await api("POST", `/api/tickets/${this.ticket.id}/${action}`, body);
      this.applyTicket(ticket);
      if (action === "transfer") toast(t("transfer.done", { name: ticket.assignee_name ?? ticket.group_name }));
      if (action === "rate") toast(t("rate.thanks"));
    } catch (err) {
      toast(errorText(err));
      button.disabled = false;
    }
  }

  applyTicket(ticket) {
    if (ticket.last_seq < this.ticket.last_seq) return;
    // Lists and live updates carry no description: keep the one already held.
    this.ticket = { ...ticket, body: ticket.body ?? this.ticket.body };
    this.renderHeader();
  }

  applySnapshot(frame) {
    this.applyTicket(frame.ticket);
    for (const p of frame.presence) this.presence.set(p.user_id, p.status);
    this.renderHeader();
    for (const e of frame.events) this.applyEvent(e);
  }

  applyPresence(p) {
    this.presence.set(p.user_id, p.status);
    this.renderHeader();
  }

  applyEvent(e) {
    if (this.seqs.has(e.seq)) return;
    this.seqs.add(e.seq);
    let node;
    if (e.kind === "message" || e.kind === "note") {
      node = this.pending.get(e.client_id);
      if (node && this.mine(e.actor_id)) {
        this.pending.delete(e.client_id);
        this.markSent(node);
      } else {
        node = this.bubble(e, e.kind === "note");
        if (!this.mine(e.actor_id) && e.kind === "message") this.typingLine.textContent = "";
      }
    } else if (e.kind === "created") {
      return;
    } else {
      node = el(`div.event.${e.kind}`, { text: `${clock(e.at)} ${eventText(e)}` });
    }
    node.dataset.seq = e.seq;
    this.place(node, e.seq);
  }

  /** Inserts a logged entry in seq order, before any still-pending bubbles. */
  place(node, seq) {
    const after = [...this.log.children].find((c) => c.dataset.seq ? Number(c.dataset.seq) > seq : c.classList.contains("pending"));
    this.log.insertBefore(node, after ?? null);
    this.log.scrollTop = this.log.scrollHeight;
  }

  /** A message or note: the author with their role (others only), the time, text and file. */
  bubble({ actor_id: id, actor_name: name, actor_role: role, actor_unit: unit, body: text, at, file }, internal) {
    const mine = this.mine(id);
    const standing = [unit, role ? t(`role.${role}`) : null].filter(Boolean).join(" ");
    const who = mine ? "" : `${name}${standing ? `（${standing}）` : ""} · `;
    return el(`div.msg${mine ? ".mine" : ""}${internal ? ".internal" : ""}`, {},
      internal ? el("div.label", { text: t("chat.note") }) : null,
      el("div.who", { text: `${who}${clock(at)}` }),
      text ? el("div.text", { text }) : null,
      file ? attachment(file) : null);
  }

  /** Uploads the picked file, then sends it as a message (queued like any other). */
  async attach() {
    const file = this.picker.files[0];
    this.picker.value = "";
    if (!file) return;
    this.attachButton.disabled = true;
    this.attachButton.textContent = t("chat.uploading");
    try {
      const { upload } = await import("./attach.js");
      const { hash } = await upload(file);
      const text = this.input.value.trim();
      this.input.value = "";
      this.queue(text, hash, false);
    } catch (err) {
      toast(errorText(err));
    } finally {
      this.attachButton.disabled = false;
      this.attachButton.textContent = t("chat.attach");
    }
  }

  markSent(node) {
    node.classList.remove("pending");
    const status = node.querySelector(".status");
    status.textContent = t("chat.sent");
    status.className = "status sent";
  }

  submit() {
    const text = this.input.value.trim();
    if (!text || this.composer.hidden) return;
    this.queue(text, null, this.internal);
    this.input.value = "";
    this.input.focus();
  }

  queue(text, file, internal) {
    const id = this.live.send(this.ticket.id, text, file, internal);
    this.showPending(id, text, Date.now(), file, internal);
  }

  /** A message of mine not yet acknowledged: shown at the end, marked as sending. */
  showPending(id, text, at, file, internal) {
    const me = this.me;
    const node = this.bubble({ actor_id: me.id, actor_name: me.display_name, body: text, at, file }, internal);
    node.classList.add("pending");
    node.dataset.clientId = id;
    node.append(el("div.status.sending", { text: t("chat.sending") }));
    this.pending.set(id, node);
    this.log.append(node);
    this.log.scrollTop = this.log.scrollHeight;
  }

  applyAck(ack) {
    const node = this.pending.get(ack.client_id);
    if (node) this.markSent(node);
  }

  applySendError(err) {
    const node = this.pending.get(err.client_id);
    if (!node) return;
    const status = node.querySelector(".status");
    if (err.retry_in) {
      // Not stored yet, but it will be sent again by itself.
      status.textContent = t("chat.retrying", { s: Math.round(err.retry_in / 1000) });
      status.className = "status sending";
      return;
    }
    // Refused for good: say why, and let the writer send it again with one click.
    this.pending.delete(err.client_id);
    const retry = el("button.link.retry", { type: "button", text: t("chat.retry") });
    status.replaceChildren(`${errorText(err)} `, retry);
    status.className = "status failed";
    retry.onclick = () => {
      node.remove();
      const text = node.querySelector(".text")?.textContent ?? "";
      const file = node.querySelector("a.file")?.dataset.hash ?? null;
      this.queue(text, file, node.classList.contains("internal"));
    };
  }

  announceTyping() {
    const now = Date.now();
    if (now - (this.lastTyping ?? 0) < 3000) return;
    this.lastTyping = now;
    this.live.typing(this.ticket.id);
  }

  showTyping(frame) {
    this.typingLine.textContent = t("chat.typing", { name: frame.name });
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => { this.typingLine.textContent = ""; }, 4000);
  }
}

/** An attached file: the picture itself, or a link where it is not a picture (PDF). */
function attachment(hash) {
  const url = `/api/files/${hash}`;
  const link = el("a.file", { href: url, target: "_blank", rel: "noopener", dataset: { hash } });
  const img = el("img", { src: url, alt: t("chat.image"), loading: "lazy" });
  img.addEventListener("error", () => link.replaceChildren(t("chat.file")));
  link.append(img);
  return link;
}

/** A log entry other than a message, in words: the system's flags and escalation steps (their
 * bodies are a flag, or JSON naming whom a step told) and the clerk's rating among them. */
function eventText(e) {
  if (e.kind === "flagged") return t("event.flagged", { flag: t(`flag.${e.body}`), hint: t(`flag.${e.body}.hint`) });
  if (e.kind === "escalated") {
    let step;
    try { step = JSON.parse(e.body); } catch { return e.body; }
    const who = step.people?.length ? step.people.join("、") : t("escalated.nobody");
    const key = step.step === 0 ? (step.people?.length ? "event.escalated.handler" : "event.escalated.queue") : "event.escalated.unit";
    return t(key, { flag: t(`flag.${step.flag}`), unit: step.unit ?? "", who });
  }
  if (e.kind === "rated") {
    const [score, ...rest] = e.body.split(" ");
    const comment = rest.join(" ");
    return t("event.rated", { name: e.actor_name, score: t(`score.${score}`) }) + (comment ? `：${comment}` : "");
  }
  return t(`event.${e.kind}`, { name: e.actor_name, body: e.body });
}
