// Ticket lists: one row per ticket with state, unit, service item, tier and waiting time.

import { el, duration } from "./format.js";
import { t } from "./i18n.js";

let itemNames = new Map();

export function setCatalogue(catalogue) {
  itemNames = new Map(catalogue.items.map((i) => [i.code, i.name]));
}

export function itemName(code) { return itemNames.get(code) ?? code; }

export function stateBadge(state) {
  return el(`span.badge.${state}`, { text: t(`state.${state}`), dataset: { state } });
}

/** Renders `tickets` into `list`, marking `activeId`; `open(ticket)` on click or Enter. */
export function renderList(list, tickets, { activeId, open, empty, now = Date.now() }) {
  list.replaceChildren();
  if (tickets.length === 0) {
    list.append(el("li.empty", { text: empty }));
    return;
  }
  for (const ticket of tickets) {
    const waited = now - ticket.created_at;
    const li = el("li", {
      tabindex: 0,
      class: ticket.id === activeId ? "active" : null,
      dataset: { ticket: ticket.id },
      onclick: () => open(ticket),
      onkeydown: (e) => { if (e.key === "Enter") open(ticket); },
    },
      el("span.title", { text: ticket.title, title: ticket.title }),
      stateBadge(ticket.state),
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
