// Ticket lists: one row per ticket with state, unit, service item, tier, waiting time and
// unread messages; optionally under a heading per group (a unit).

import { el, duration, clock } from "./format.js";
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

/** The service-level flags standing on a ticket (不办、迟办、拖办、卡壳), as the server set them. */
export function flagChips(ticket) {
  const flags = ticket.service?.flags ?? [];
  if (flags.length === 0) return null;
  return el("span.flags", {}, ...flags.map(({ flag, since }) => el(`span.flag.${flag}`, {
    text: t(`flag.${flag}`), title: `${t(`flag.${flag}.hint`)} · ${t("flag.since", { d: duration(Date.now() - since) })}`, dataset: { flag },
  })));
}

/** Where a ticket stands against its deadline: overdue (the server's flag), paused while the
 * clerk is asked for more, or the time left. */
export function deadline(ticket, now = Date.now()) {
  const s = ticket.service;
  if (!s?.due_at || !isOpen(ticket)) return null;
  const late = s.flags.some((f) => f.flag === "late");
  if (late) return el("span.due.over", { text: t("sla.over") });
  if (s.paused_since) return el("span.due.paused", { text: t("sla.paused") });
  const left = s.due_at - now;
  return el(`span.due${left < 3600000 ? ".soon" : ""}`, {
    text: t("sla.left", { d: duration(Math.max(left, 60000)) }), title: t("sla.due", { time: clock(s.due_at) }),
  });
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
        flagChips(ticket),
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
