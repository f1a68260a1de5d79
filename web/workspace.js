// The right-hand side of both views: several conversations open at once, one tab each, with
// unread counts on the tabs in the background. Live frames are routed to their pane here.

import { el } from "./format.js";
import { t } from "./i18n.js";
import { ChatPane } from "./chat.js";
import { load, save } from "./store.js";

const PHONE = matchMedia("(max-width: 720px)");

export class Workspace {
  constructor({ me, live, notifier }) {
    this.me = me;
    this.live = live;
    this.notifier = notifier;
    this.panes = new Map();
    this.unread = new Map();
    this.active = null;
    this.tabs = el("nav.chat-tabs", { "aria-label": t("chat.open_tabs") });
    this.body = el("div.work-body");
    this.root = el("section.work", {}, this.tabs, this.body);
    this.onActive = () => {};
    this.onUnread = () => {};
    live.on("snapshot", (f) => this.panes.get(f.ticket.id)?.applySnapshot(f));
    live.on("event", (f) => this.onEvent(f.event));
    live.on("ack", (f) => this.panes.get(f.ticket)?.applyAck(f));
    live.on("error", (f) => { if (f.client_id) for (const p of this.panes.values()) p.applySendError(f); });
    live.on("typing", (f) => this.panes.get(f.ticket)?.showTyping(f));
    live.on("presence", (f) => { for (const p of this.panes.values()) p.applyPresence(f); });
    live.on("ticket", (f) => {
      const pane = this.panes.get(f.ticket.id);
      if (!pane) return;
      pane.applyTicket(f.ticket);
      this.remember();
    });
    this.tabsKey = `tabs.${me.id}`;
    document.addEventListener("visibilitychange", () => this.seen());
    this.render();
  }

  /** The page: the lists beside the conversations; on a phone one of the two at a time. */
  layout(side) {
    this.page = el("div.layout", { dataset: { view: "list" } }, side, this.root);
    this.root.addEventListener("back", () => { this.page.dataset.view = "list"; });
    return this.page;
  }

  /** Reopens the conversations that were open before a reload. */
  restore() {
    const saved = load(this.tabsKey, { open: [], active: null });
    for (const ticket of saved.open) this.open(ticket, false);
    const active = saved.open.find((tk) => tk.id === saved.active);
    if (active) this.open(active);
  }

  remember() {
    save(this.tabsKey, { open: [...this.panes.values()].map((p) => p.ticket), active: this.active });
  }

  onEvent(event) {
    const pane = this.panes.get(event.ticket_id);
    if (!pane) return;
    pane.applyEvent(event);
    const written = event.kind === "message" || event.kind === "note";
    const unseen = event.ticket_id !== this.active || document.hidden;
    if (written && unseen && event.actor_id !== this.me.id) {
      this.unread.set(event.ticket_id, (this.unread.get(event.ticket_id) ?? 0) + 1);
      this.notifier.message(event);
      this.render();
      this.onUnread();
    }
  }

  /** The active conversation is read once the page is looked at again. */
  seen() {
    if (document.hidden || !this.unread.delete(this.active)) return;
    this.render();
    this.onUnread();
  }

  open(ticket, focus = true) {
    if (!this.panes.has(ticket.id)) {
      this.panes.set(ticket.id, new ChatPane({ ticket, me: this.me, live: this.live }));
      this.live.follow(ticket.id);
    }
    this.active = ticket.id;
    this.unread.delete(ticket.id);
    this.render();
    this.remember();
    if (focus && this.page) this.page.dataset.view = "ticket";
    // On a phone the keyboard would cover the conversation just opened.
    if (focus && !PHONE.matches) this.panes.get(ticket.id).input.focus();
    this.onActive(ticket.id);
  }

  close(id) {
    this.panes.delete(id);
    this.unread.delete(id);
    this.live.unfollow(id);
    if (this.active === id) this.active = [...this.panes.keys()].pop() ?? null;
    if (this.active === null && this.page) this.page.dataset.view = "list";
    this.render();
    this.remember();
    this.onActive(this.active);
  }

  render() {
    this.tabs.replaceChildren(...[...this.panes.values()].map((p) => {
      const id = p.ticket.id;
      const unread = this.unread.get(id);
      // Two buttons side by side, both reachable by keyboard: switch to it, and close it.
      return el(`div.chat-tab${id === this.active ? ".active" : ""}`, { dataset: { ticket: id } },
        el("button.switch", {
          type: "button", "aria-current": id === this.active ? "true" : null, onclick: () => this.open(p.ticket),
        }, `#${id} ${p.ticket.title.slice(0, 12)}`,
          unread ? el("span.unread", { text: unread, "aria-label": t("unread", { n: unread }) }) : null),
        el("button.close", { type: "button", "aria-label": t("chat.close_tab", { id }), text: "×", onclick: () => this.close(id) }));
    }));
    this.tabs.hidden = this.panes.size === 0;
    this.notifier.unread([...this.unread.values()].reduce((a, b) => a + b, 0));
    const pane = this.panes.get(this.active);
    this.body.replaceChildren(pane ? pane.root : el("div.placeholder", { text: t("chat.placeholder") }));
  }
}
