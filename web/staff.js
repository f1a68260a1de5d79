// The view of everyone who answers or oversees: experts, supervisors, security officers, ops
// staff and administrators. Lists on the left — unclaimed, mine (experts), waiting for the
// clerk, all open in the person's area grouped by unit, and search — and several
// conversations open at once.

import { el, toast } from "./format.js";
import { t } from "./i18n.js";
import { renderList, upsert, isOpen } from "./tickets.js";
import { Workspace } from "./workspace.js";
import { searchPanel } from "./search.js";

export function staffView({ me, live, main, catalogue, notifier }) {
  const tickets = new Map();
  const workspace = new Workspace({ me, live, notifier });
  const expert = me.role === "expert";
  const names = expert ? ["new", "mine", "waiting", "open", "find"] : ["new", "waiting", "open", "find"];
  let tab = load() ?? "new";
  const list = el("ul.tickets", { id: "queue" });
  const search = searchPanel({ catalogue, open: (tk) => workspace.open(tk), workspace });
  const counts = Object.fromEntries(names.filter((n) => n !== "find").map((n) => [n, el("span.count", { text: "0" })]));
  const tabButtons = names.map((name) => el("button", {
    type: "button", role: "tab", id: `tab-${name}`, "aria-controls": name === "find" ? "find" : "queue", dataset: { tab: name },
    onclick: () => { tab = name; sessionStorage.setItem("backstop.tab", tab); redraw(); },
  }, t(`queue.${name}`), counts[name] ? " " : null, counts[name] ?? null));
  const filters = {
    new: (x) => x.state === "new",
    mine: (x) => x.assignee_id === me.id && isOpen(x),
    // Waiting for the clerk: the expert's own; everyone else's whole area.
    waiting: (x) => x.state === "waiting" && (!expert || x.assignee_id === me.id),
    open: (x) => isOpen(x),
  };
  const redraw = () => {
    const all = [...tickets.values()].sort((a, b) => a.created_at - b.created_at);
    for (const name of Object.keys(counts)) {
      const n = all.filter(filters[name]).length;
      counts[name].textContent = n;
      counts[name].classList.toggle("zero", n === 0);
    }
    for (const b of tabButtons) b.setAttribute("aria-selected", String(b.dataset.tab === tab));
    list.hidden = tab === "find";
    search.root.hidden = tab !== "find";
    if (tab === "find") return search.show();
    // Above the expert's desk, the open tickets read best by unit.
    const grouped = tab === "open" && !expert;
    const shown = all.filter(filters[tab]);
    if (grouped) shown.sort((a, b) => a.unit_name.localeCompare(b.unit_name, "zh") || a.created_at - b.created_at);
    renderList(list, shown, {
      activeId: workspace.active, open: (tk) => workspace.open(tk), empty: t("queue.empty"),
      unread: workspace.unread, group: grouped ? (tk) => tk.unit_name : null,
    });
  };
  workspace.onActive = redraw;
  workspace.onUnread = redraw;
  live.on("queue", (f) => {
    // The queue comes in pages: the first replaces the list, the rest add to it.
    if (!f.page) tickets.clear();
    for (const tk of f.tickets) upsert(tickets, tk);
    redraw();
  });
  live.on("ticket", (f) => {
    const tk = f.ticket;
    if (tk.state === "new" && !tickets.has(tk.id)) notifier.newRequest(tk);
    if (isOpen(tk)) upsert(tickets, tk);
    else tickets.delete(tk.id);
    redraw();
  });
  live.on("ticket_removed", (f) => { tickets.delete(f.ticket); redraw(); });
  document.addEventListener("workspace-open", (e) => workspace.open(e.detail));
  // An escalation step told this person of a ticket (督办提醒).
  live.on("notice", (f) => {
    toast(t("notice.escalated", { id: f.ticket, title: f.title }));
    notifier.notice?.(f);
  });
  // A daily check missed in this person's care, or below it (巡检提醒).
  live.on("duty_notice", (f) => toast(t(f.step ? "notice.duty.above" : "notice.duty", { unit: f.unit_name })));
  live.subscribeQueue();
  const side = el("aside.side", {}, el("div.tabs", { role: "tablist", "aria-label": t("queue.lists") }, ...tabButtons), list, search.root);
  main.replaceChildren(workspace.layout(side));
  redraw();
  workspace.restore();
  setInterval(redraw, 30000);

  function load() {
    const saved = sessionStorage.getItem("backstop.tab");
    return names.includes(saved) ? saved : null;
  }
}
