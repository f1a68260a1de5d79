// The matrix's 告警 column: each unit's incidents not yet resolved — its own, or climbed to it —
// as a count (red while one is unacknowledged, amber once all are), and in the unit's details
// each one with the buttons the server allows. Read again at most every two seconds.

import { el } from "./format.js";
import { t } from "./i18n.js";
import { readIncidents, isActive, reachedText, toldText, stateBadge, incidentButtons } from "./incidents.js";

const RELOAD_MS = 2000;

/** The incidents by unit; `changed` runs after each read, to redraw what shows them. */
export function unitAlarms(changed) {
  let byUnit = new Map();
  let lastRead = 0;
  let timer = null;

  const load = async () => {
    lastRead = Date.now();
    let list;
    try { list = await readIncidents(); } catch (err) {
      // Read too often (the server paces each person's reads): again when it allows.
      if (err.code === "rate_limited" && !timer) timer = setTimeout(() => { timer = null; load(); }, (err.retryAfter || 2) * 1000);
      return;
    }
    const next = new Map();
    for (const inc of list.filter(isActive)) {
      for (const code of new Set([inc.unit?.code, inc.reached?.code])) {
        if (code) (next.get(code) ?? next.set(code, []).get(code)).push(inc);
      }
    }
    byUnit = next;
    changed();
  };
  const soon = () => {
    timer ??= setTimeout(() => { timer = null; load(); }, Math.max(0, lastRead + RELOAD_MS - Date.now()));
  };

  const cell = (code) => {
    const list = byUnit.get(code) ?? [];
    const open = list.filter((i) => i.status === "open").length;
    const said = t("matrix.incidents.count", { n: list.length, open });
    const badge = list.length
      ? el(`span.inc-count.${open ? "open" : "acknowledged"}`, { title: said, dataset: { state: open ? "open" : "acknowledged" } },
        String(list.length), el("span.sr-only", { text: ` ${said}` }))
      : el("span.muted", { text: t("matrix.gap.none") });
    return el(`td.col-incidents${list.length ? "" : ".none"}`, { dataset: { label: t("matrix.col.incidents"), open: String(open), count: String(list.length) } }, badge);
  };

  const list = (code) => {
    const shown = byUnit.get(code) ?? [];
    if (!shown.length) return el("p.muted", { text: t("matrix.incidents.none") });
    return el("ul.unit-alarms", {}, ...shown.map((inc) => {
      const { buttons, more, error } = incidentButtons(inc, () => load());
      const by = inc.acknowledged_by ? ` · ${t("matrix.incidents.by", { name: inc.acknowledged_by })}` : "";
      return el(`li.unit-alarm.${inc.status}`, { dataset: { id: String(inc.id) } },
        el("div", {}, el("strong", { text: inc.title }), " ", stateBadge(inc)),
        el("div.muted", { text: `${reachedText(inc)} · ${toldText(inc)}${by}` }),
        buttons.length ? el("div.row-actions", {}, ...buttons) : null, error, more);
    }));
  };

  return { load, soon, cell, list };
}
