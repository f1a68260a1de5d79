// One ticket's conversation: header with state and actions, the ordered log, typing hint and
// the composer. Messages show as sending until the server acknowledges them.

import { el, clock, toast } from "./format.js";
import { t, errorText } from "./i18n.js";
import { api } from "./api.js";
import { itemName, stateBadge } from "./tickets.js";
import { upload, ACCEPT_ATTR } from "./attach.js";

export class ChatPane {
  constructor({ ticket, me, live }) {
    this.ticket = ticket;
    this.me = me;
    this.live = live;
    this.seqs = new Set();
    this.pending = new Map(); // client id → bubble
    this.presence = new Map();
    this.root = el("section.chat", { "aria-label": ticket.title, dataset: { ticket: ticket.id } });
    this.header = el("header");
    this.log = el("div.log", { role: "log", "aria-live": "polite" });
    this.typingLine = el("div.typing");
    this.input = el("textarea", { placeholder: t("chat.input"), "aria-label": t("chat.input"), maxlength: 4000 });
    this.sendButton = el("button.send", { type: "button", text: t("chat.send"), onclick: () => this.submit() });
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); this.submit(); }
    });
    this.input.addEventListener("input", () => this.announceTyping());
    this.picker = el("input", { type: "file", accept: ACCEPT_ATTR, hidden: true, onchange: () => this.attach() });
    this.attachButton = el("button.secondary.attach", {
      type: "button", text: t("chat.attach"), title: t("chat.attach.hint"), onclick: () => this.picker.click(),
    });
    this.root.append(this.header, this.log, this.typingLine,
      el("div.composer", {}, this.input, el("div.buttons", {}, this.attachButton, this.sendButton), this.picker));
    this.renderHeader();
    for (const m of live.pendingFor(ticket.id)) this.showPending(m.client_id, m.text, m.at, m.file);
  }

  mine(actorId) { return actorId === this.me.id; }

  renderHeader() {
    const tk = this.ticket;
    const other = this.mine(tk.creator_id) ? tk.assignee_id : tk.creator_id;
    const otherName = this.mine(tk.creator_id) ? tk.assignee_name : tk.creator_name;
    const status = this.presence.get(other) ?? "offline";
    const party = other ? t("chat.with", { name: otherName, status: t(`presence.${status}`) }) : t("chat.unassigned");
    this.header.replaceChildren(
      el("h3", { text: `#${tk.id} ${tk.title}` }),
      el("div.actions", {}, stateBadge(tk.state), ...this.actions()),
      el("div.meta", { text: `${tk.unit_name} · ${itemName(tk.item_code)} · ${t(`kind.${tk.kind}`)} · ${t(`tier.${tk.difficulty}`)} · ${party}` }));
    const closed = tk.state === "closed";
    this.input.disabled = closed;
    this.sendButton.disabled = closed;
    this.attachButton.disabled = closed;
    this.input.placeholder = closed ? t("chat.closed") : t("chat.input");
  }

  /** The buttons this person may use on the ticket in its current state. */
  actions() {
    const tk = this.ticket, me = this.me, s = tk.state;
    const assignee = tk.assignee_id === me.id;
    const list = [];
    if (me.role === "expert" && s === "new") list.push("claim");
    if (assignee && s === "claimed") list.push("wait");
    if (assignee && (s === "claimed" || s === "waiting")) list.push("resolve");
    if (me.role === "clerk" && s !== "closed") list.push("close");
    if (me.role === "clerk" && (s === "resolved" || s === "closed")) list.push("reopen");
    return list.map((a) => el(`button.${a === "close" ? "danger" : a === "resolve" || a === "claim" ? "primary" : "secondary"}`, {
      type: "button", text: t(`action.${a}`), dataset: { action: a }, onclick: (e) => this.act(a, e.target),
    }));
  }

  async act(action, button) {
    if (action === "resolve" && !confirm(t("action.confirm.resolve"))) return;
    button.disabled = true;
    try {
      const { ticket } = await api("POST", `/api/tickets/${this.ticket.id}/${action}`, {});
      this.applyTicket(ticket);
    } catch (err) {
      toast(errorText(err));
      button.disabled = false;
    }
  }

  applyTicket(ticket) {
    if (ticket.last_seq < this.ticket.last_seq) return;
    this.ticket = ticket;
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
    if (e.kind === "message") {
      node = this.pending.get(e.client_id);
      if (node && this.mine(e.actor_id)) {
        this.pending.delete(e.client_id);
        this.markSent(node);
      } else {
        node = this.bubble(e.actor_id, e.actor_name, e.body, e.at, e.file);
        if (!this.mine(e.actor_id)) this.typingLine.textContent = "";
      }
    } else {
      node = el("div.note", { text: `${clock(e.at)} ${t(`event.${e.kind}`, { name: e.actor_name, body: e.body })}` });
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

  bubble(actorId, name, text, at, file) {
    const mine = this.mine(actorId);
    return el(`div.msg${mine ? ".mine" : ""}`, {},
      el("div.who", { text: `${mine ? "" : name + " · "}${clock(at)}` }),
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
      const { hash } = await upload(file);
      const text = this.input.value.trim();
      this.input.value = "";
      const id = this.live.send(this.ticket.id, text, hash);
      this.showPending(id, text, Date.now(), hash);
    } catch (err) {
      toast(errorText(err));
    } finally {
      this.attachButton.disabled = this.ticket.state === "closed";
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
    if (!text || this.input.disabled) return;
    const id = this.live.send(this.ticket.id, text);
    this.showPending(id, text, Date.now());
    this.input.value = "";
    this.input.focus();
  }

  /** A message of mine not yet acknowledged: shown at the end, marked as sending. */
  showPending(id, text, at, file) {
    const node = this.bubble(this.me.id, this.me.display_name, text, at, file);
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
    status.textContent = `${errorText(err)}`;
    status.className = "status failed";
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
  const link = el("a.file", { href: url, target: "_blank", rel: "noopener" });
  const img = el("img", { src: url, alt: t("chat.image"), loading: "lazy" });
  img.addEventListener("error", () => link.replaceChildren(t("chat.file")));
  link.append(img);
  return link;
}
