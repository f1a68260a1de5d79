// Ticket lists: one row per ticket with state, unit, service item, tier, waiting time and
// unread messages; optionally under a heading per group (a unit).

import { el, duration } from "./format.js";
import { t, lang } from "./i18n.js";

let itemNames = new Map();

/** A catalogue entry's name in the console's language. */
export function named(entry) {
  return lang() === "en" ? entry.name_en ?? entry.name : entry.name;
}

export function setCatalogue(catalogue) {
  itemNames = new Map(catalogue.items.map((i) => [i.code, named(i)]));
}

export function itemName(code) { return itemNames.get(code) ?? code; }

/** The catalogue's items, code and name, in catalogue order. */
export function catalogueItems() { return [...itemNames].map(([code, name]) => ({ code, name })); }

export function isOpen(ticket) {
  return ticket.state === "new" || ticket.state === "claimed" || ticket.state === "waiting";
}

export function stateBadge(state) {
  return el(`span.badge.${state}`, { text: t(`state.${state}`), dataset: { state } });
}

/** Renders `tickets` into `list`, marking `activeId`; `open(ticket)` on click or Enter. */
export function renderList(list, tickets, { activeId, open, empty, unread = new Map(), group = null, now = Date.now() }) {
  list.replaceChildren();
  if (tickets.length === 0) {
    list.append(el("li.empty", { text: empty }));
    return;
  }
  let heading = null;
  for (const ticket of tickets) {
    if (group && group(ticket) !== heading) {
      heading = group(ticket);
      list.append(el("li.group", { role: "presentation", text: heading }));
    }
    const waited = now - ticket.created_at;
    const count = unread.get(ticket.id);
    const li = el("li", {
      tabindex: 0,
      class: ticket.id === activeId ? "active" : null,
      dataset: { ticket: ticket.id },
      onclick: () => open(ticket),
      onkeydown: (e) => { if (e.key === "Enter") open(ticket); },
    },
      el("span.title", { text: ticket.title, title: ticket.title }),
      el("span.marks", {},
        count ? el("span.unread", { text: count, "aria-label": t("unread", { n: count }) }) : null,
        stateBadge(ticket.state)),
      el("span.meta", {},
        `#${ticket.id} · ${ticket.unit_name} · ${itemName(ticket.item_code)} · `,
        el(`span.tier.${ticket.difficulty}`, { text: t(`tier.${ticket.difficulty}`) }),
        ticket.state === "new" || ticket.state === "waiting"
          ? el(`span.waited${waited > 3600000 ? ".long" : ""}`, {
            text: ` · ${waited < 60000 ? t("waited.now") : t("waited", { d: duration(waited) })}`,
          })
          : null));
    list.append(li);
  }
}

/** Keeps a map of tickets current from `ticket` frames: a newer one replaces an older one. */
export function upsert(map, ticket) {
  const held = map.get(ticket.id);
  if (held && held.last_seq > ticket.last_seq) return false;
  map.set(ticket.id, ticket);
  return true;
}
