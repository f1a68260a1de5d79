// The expert's view: the live queue ordered by waiting time, with counts, and several
// conversations open at once. Supervisors, officers and ops see the same queue to follow it.

import { el } from "./format.js";
import { t } from "./i18n.js";
import { renderList, upsert } from "./tickets.js";
import { Workspace } from "./workspace.js";

export function expertView({ me, live, main }) {
  const tickets = new Map();
  const workspace = new Workspace({ me, live });
  let tab = "new";
  const list = el("ul.tickets", { id: "queue" });
  const counts = { new: el("span.count", { text: "0" }), mine: el("span.count", { text: "0" }) };
  const tabButtons = ["new", "mine"].map((name) => el("button", {
    type: "button", role: "tab", dataset: { tab: name }, onclick: () => { tab = name; redraw(); },
  }, t(`queue.${name}`), " ", counts[name]));
  const filters = {
    new: (x) => x.state === "new",
    mine: (x) => x.assignee_id === me.id && x.state !== "closed" && x.state !== "resolved",
  };
  const redraw = () => {
    const all = [...tickets.values()].sort((a, b) => a.created_at - b.created_at);
    for (const name of ["new", "mine"]) {
      const n = all.filter(filters[name]).length;
      counts[name].textContent = n;
      counts[name].classList.toggle("zero", n === 0);
    }
    for (const b of tabButtons) b.setAttribute("aria-selected", String(b.dataset.tab === tab));
    renderList(list, all.filter(filters[tab]), { activeId: workspace.active, open: (tk) => workspace.open(tk), empty: t("queue.empty") });
  };
  workspace.onActive = redraw;
  live.on("queue", (f) => {
    // The queue comes in pages: the first replaces the list, the rest add to it.
    if (!f.page) tickets.clear();
    for (const tk of f.tickets) upsert(tickets, tk);
    redraw();
  });
  live.on("ticket", (f) => {
    const tk = f.ticket;
    if (tk.state === "closed" || tk.state === "resolved") tickets.delete(tk.id);
    else upsert(tickets, tk);
    redraw();
  });
  live.on("ticket_removed", (f) => { tickets.delete(f.ticket); redraw(); });
  live.subscribeQueue();
  const side = el("aside.side", {}, el("div.tabs", { role: "tablist" }, ...tabButtons), list);
  main.replaceChildren(el("div.layout", {}, side, workspace.root));
  redraw();
  workspace.restore();
  setInterval(redraw, 30000);
}
