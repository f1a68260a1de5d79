// The security officers' responsibility matrix (责任矩阵, 定人定责): every unit of the viewer's
// area as a tree from the region down to the townships — its primary and deputy officer, who is
// on duty now, today's daily check (日常巡检) and its gaps in cover. Problems show in red and
// count up on collapsed parents so they are found without opening everything. Officers find
// their own units first and complete the check there. The server decides who sees what and who
// may check or import (`actions`, `may_import`); live `duty` frames redraw a row or the whole.
// Each unit's open incidents (告警) — its own or climbed to it — count in their own column and
// can be acknowledged in its details; `incident` frames read them again.

import { api, postCsv } from "./api.js";
import { el } from "./format.js";
import { t, errorText } from "./i18n.js";
import { checklist } from "./checklist.js";
import { rosterBlock } from "./roster.js";
import { unitAlarms } from "./unit-alarms.js";

const COLUMNS = ["primary", "deputy", "on_duty", "check", "gaps", "incidents", "actions"];
const COUNTS = ["no_primary", "disabled_officer", "uncovered_hours", "overloaded", "missed"];
// The deadline is a rule in the region's one local time, whatever the browser's zone.
// The server names it with each matrix (`zone`).
let zone = "Asia/Shanghai";
let hm, ymd;
const useZone = (z) => {
  zone = z || zone;
  hm = new Intl.DateTimeFormat("zh-CN", { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  ymd = new Intl.DateTimeFormat("sv-SE", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" });
};
useZone(zone);
const RELOAD_MS = 2000;
let deadlineText = "10:00";

const troubled = (r) => r.gaps.length > 0 || r.check.state === "missed";
const FILTERS = { all: () => true, gaps: (r) => r.gaps.length > 0, missed: (r) => r.check.state === "missed" };

let probe = null;
/** Whether the server shows this person a matrix (officers, ops, supervisors, administrators);
 * the answer is kept for the first drawing. */
export async function mayHoldDuty() {
  try { probe = { at: Date.now(), matrix: (await api("GET", "/api/duty/matrix")).matrix }; return true; } catch { return false; }
}

/** The matrix on screen now, told of live changes; the live handlers are added once. */
let current = () => {};
let currentAlarms = () => {};
let following = false;

export function matrixPanel(live, me) {
  const rows = new Map();      // code → ROW
  const kids = new Map();      // code → child codes
  const lines = new Map();     // code → its <tr>
  const details = new Map();   // code → its open detail <tr>
  let order = [];
  let matrix = null;
  let filter = "all";
  let open = null;             // codes whose children show; null until the first drawing
  let lastLoad = 0;
  let timer = null;

  const heading = el("h1", { id: "matrix-title", tabindex: -1, text: t("matrix.title") });
  const day = el("p.hint");
  const status = el("p.muted", { role: "status" });
  const counts = el("ul.matrix-counts", { "aria-label": t("matrix.summary") });
  const mine = el("section.my-units", { "aria-labelledby": "my-units-title", hidden: true });
  const body = el("tbody");
  const report = el("div.import-report", { role: "status", "aria-live": "polite" });
  const tools = el("div.matrix-tools");
  const none = el("p.muted", { hidden: true, text: t("matrix.filter.none") });
  const filters = el("fieldset.matrix-filter", {}, el("legend", { text: t("matrix.filter") }),
    ...Object.keys(FILTERS).map((f) => el("label.check", {},
      el("input", { type: "radio", name: "matrix-filter", value: f, checked: f === "all", onchange: () => { filter = f; reveal(); arrange(); } }),
      t(`matrix.filter.${f}`))));
  const all = (expand) => { open = new Set(expand ? order.filter((c) => kids.get(c)?.length) : []); arrange(); };
  const root = el("section.matrix-panel", { "aria-labelledby": "matrix-title" },
    heading, day, tools, status, counts, mine,
    el("div.matrix-bar", {}, filters, el("div.matrix-fold", {},
      el("button.secondary", { type: "button", text: t("matrix.expand"), onclick: () => all(true) }),
      el("button.secondary", { type: "button", text: t("matrix.collapse"), onclick: () => all(false) }))),
    report,
    el("div.board-scroll", {}, el("table.matrix", {},
      el("thead", {}, el("tr", {}, el("th.col-unit", { scope: "col", text: t("matrix.col.unit") }),
        ...COLUMNS.map((c) => el(`th.col-${c}`, { scope: "col", text: t(`matrix.col.${c}`) })))), body)), none);

  const load = async () => {
    lastLoad = Date.now();
    const kept = probe && Date.now() - probe.at < 10000 ? probe.matrix : null;
    probe = null;
    try {
      const m = kept ?? (await api("GET", "/api/duty/matrix")).matrix;
      status.textContent = "";
      draw(m);
    } catch (err) {
      status.textContent = errorText(err);
      // Read too often (the server paces each person's reads): again when it allows.
      if (err.code === "rate_limited" && !timer) timer = setTimeout(() => { timer = null; load(); }, (err.retryAfter || 2) * 1000);
    }
  };
  // Much changed: read it all again, at most every two seconds (a region's matrix is large).
  const reloadSoon = () => {
    if (timer) return;
    timer = setTimeout(() => { timer = null; load(); }, Math.max(0, lastLoad + RELOAD_MS - Date.now()));
  };
  const refresh = async (code) => {
    if (!rows.has(code)) return reloadSoon();
    try {
      const { matrix: m } = await api("GET", `/api/duty/matrix?unit=${encodeURIComponent(code)}`);
      const [row] = m.units;
      if (!row) return reloadSoon();
      matrix.counts = m.counts; // the whole area's, even for one unit
      rows.set(code, row);
      redrawRow(code);
      // What just changed stands out for a moment.
      lines.get(code).classList.add("changed");
    } catch { reloadSoon(); }
  };

  // Rows changed one by one: each read again, or — when many changed at once — the whole.
  const due = new Set();
  let dueTimer = null;
  const refreshSoon = (code) => {
    due.add(code);
    dueTimer ??= setTimeout(() => {
      dueTimer = null;
      const codes = [...due];
      due.clear();
      if (codes.length > 5) reloadSoon(); else codes.forEach(refresh);
    }, 250);
  };

  const draw = (m) => {
    matrix = m;
    rows.clear(); kids.clear();
    order = m.units.map((r) => r.code);
    for (const r of m.units) {
      rows.set(r.code, r);
      if (r.parent && rows.has(r.parent)) (kids.get(r.parent) ?? kids.set(r.parent, []).get(r.parent)).push(r.code);
    }
    open ??= new Set(order.filter((c) => !rows.has(rows.get(c).parent)));
    const own = rows.get(m.root) ?? m.units[0];
    heading.textContent = own ? t("matrix.title.unit", { unit: own.name }) : t("matrix.title");
    if (m.zone !== zone) useZone(m.zone);
    deadlineText = hm.format(m.deadline);
    day.textContent = t("matrix.day", { day: m.day, time: deadlineText });
    drawTools(m);
    // Focus in the table stays where it was across a full redraw.
    const held = document.activeElement?.closest?.("tr.unit");
    const focus = held && body.contains(held) ? [held.dataset.code, document.activeElement.dataset.focus] : null;
    lines.clear();
    body.replaceChildren(...order.map((c) => { const tr = line(rows.get(c)); lines.set(c, tr); return tr; }));
    // Details that were open stay open, read again.
    const opened = [...details.keys()].filter((c) => rows.has(c));
    details.clear();
    for (const code of opened) toggleDetail(code);
    drawCounts(); drawMine(); arrange();
    if (focus) lines.get(focus[0])?.querySelector(`[data-focus="${focus[1]}"]`)?.focus();
  };

  const redrawRow = (code) => {
    const old = lines.get(code);
    const focused = old?.contains(document.activeElement) ? document.activeElement.dataset.focus : null;
    const tr = line(rows.get(code));
    lines.set(code, tr);
    old?.replaceWith(tr);
    if (details.has(code)) { details.get(code).remove(); details.delete(code); toggleDetail(code); }
    if (focused) tr.querySelector(`[data-focus="${focused}"]`)?.focus();
    drawCounts(); drawMine(); arrange();
  };

  // Which rows show: the filter's matches and their ancestors, under open parents only; a
  // collapsed parent counts the troubled units below it in red.
  const arrange = () => {
    const keep = FILTERS[filter];
    const shown = new Set();
    for (const c of order) {
      if (!keep(rows.get(c))) continue;
      for (let x = c; x && rows.has(x) && !shown.has(x); x = rows.get(x).parent) shown.add(x);
    }
    const below = new Map();
    for (const c of [...order].reverse()) {
      const r = rows.get(c);
      if (r.parent && rows.has(r.parent)) below.set(r.parent, (below.get(r.parent) ?? 0) + (below.get(c) ?? 0) + (troubled(r) ? 1 : 0));
    }
    const visible = new Set();
    for (const c of order) {
      const r = rows.get(c);
      const up = r.parent && rows.has(r.parent);
      const on = shown.has(c) && (!up || (visible.has(r.parent) && open.has(r.parent)));
      if (on) visible.add(c);
      const tr = lines.get(c);
      tr.hidden = !on;
      if (details.has(c)) details.get(c).hidden = !on;
      const toggle = tr.querySelector(".tree-toggle");
      toggle?.setAttribute("aria-expanded", String(open.has(c)));
      const badge = tr.querySelector(".below");
      const n = below.get(c) ?? 0;
      badge.hidden = !n || open.has(c);
      badge.firstChild.textContent = String(n);
      badge.title = t("matrix.below", { n });
      badge.lastChild.textContent = ` ${t("matrix.below", { n })}`;
    }
    none.hidden = visible.size > 0;
  };

  const reveal = () => {
    if (filter === "all") return;
    for (const c of order) {
      if (!FILTERS[filter](rows.get(c))) continue;
      for (let x = rows.get(c).parent; x && rows.has(x); x = rows.get(x).parent) open.add(x);
    }
  };

  const line = (r) => {
    const children = kids.get(r.code)?.length;
    const name = children
      ? el("button.tree-toggle", { type: "button", "aria-expanded": "false", dataset: { focus: "toggle" },
        onclick: () => { open.has(r.code) ? open.delete(r.code) : open.add(r.code); arrange(); } },
        el("span.caret", { "aria-hidden": "true" }), r.name)
      : el("span.leaf", { text: r.name });
    const check = r.actions?.includes("check")
      ? el("button.do-check", { type: "button", text: t("matrix.do_check"), dataset: { focus: "check" }, onclick: () => checkDialog(r) })
      : null;
    const more = el("button.link", { type: "button", dataset: { focus: "detail" }, "aria-expanded": String(details.has(r.code)),
      text: t("matrix.details"), onclick: () => toggleDetail(r.code) });
    const cell = (c, ...content) => el(`td.col-${c}${c === "gaps" && !r.gaps.length ? ".none" : ""}`, { dataset: { label: t(`matrix.col.${c}`) } }, ...content);
    return el(`tr.unit${troubled(r) ? ".troubled" : ""}`, { dataset: { code: r.code, level: r.level, depth: String(depth(r)) } },
      el("th", { scope: "row" }, el("div.unit-name", {}, name, el("span.level", { text: t(`matrix.level.${r.level}`) }),
        el("span.below.count", { hidden: true }, "0", el("span.sr-only")))),
      cell("primary", person(r.primary, true)), cell("deputy", person(r.deputy, false)),
      cell("on_duty", onDuty(r)), cell("check", checkState(r.check)), cell("gaps", gaps(r)),
      alarms.cell(r.code),
      cell("actions", el("div.row-actions", {}, check, more)));
  };
  // Usernames of the area's officers, offered when registering cover.
  const officers = () => [...new Set([...rows.values()].flatMap((x) => [x.primary?.username, x.deputy?.username]).filter(Boolean))].sort();
  const depth = (r) => { let n = 0; for (let x = r.parent; x && rows.has(x); x = rows.get(x).parent) n++; return n; };

  const toggleDetail = (code) => {
    const tr = lines.get(code);
    const button = tr.querySelector("[data-focus=detail]");
    if (details.has(code)) {
      details.get(code).remove(); details.delete(code);
      button.setAttribute("aria-expanded", "false"); button.textContent = t("matrix.details");
      return;
    }
    const r = rows.get(code);
    const history = el("ul.history", {}, el("li.muted", { text: "…" }));
    const shown = el("tr.unit-detail", { dataset: { code } }, el("td", { colspan: COLUMNS.length + 1 },
      el("dl", {}, el("dt", { text: t("matrix.duties") }), el("dd", { text: r.duties || t("matrix.duties.none") }),
        el("dt", { text: t("matrix.history") }), el("dd", {}, history),
        el("dt", { text: t("roster.title") }), el("dd", {}, rosterBlock(code, officers(), zone)),
        el("dt", { text: t("matrix.col.incidents") }), el("dd.unit-incidents", {}, alarms.list(code))),
      r.check.state === "done" || r.check.state === "late"
        ? el("button.secondary", { type: "button", text: t("matrix.view_check"), onclick: () => checkDialog(r) }) : null));
    details.set(code, shown);
    tr.after(shown);
    button.setAttribute("aria-expanded", "true"); button.textContent = t("matrix.details.hide");
    api("GET", `/api/duty/units/${encodeURIComponent(code)}/history`).then(({ history: h }) => {
      history.replaceChildren(...(h.length ? h.map((x) => el("li", { text: t("matrix.history.line", {
        position: t(`matrix.position.${x.position}`), person: x.person, username: x.username, since: ymd.format(x.since),
        until: x.until ? t("matrix.history.until", { at: ymd.format(x.until) }) : "" }) })) : [el("li.muted", { text: t("matrix.history.empty") })]));
    }, (err) => history.replaceChildren(el("li.error", { text: errorText(err) })));
  };

  const drawCounts = () => {
    counts.replaceChildren(...COUNTS.map((k) => {
      const n = matrix.counts?.[k] ?? 0;
      return el(`li${n ? ".hot" : ""}`, { dataset: { count: k } }, el("span", { text: t(`matrix.count.${k}`) }), " ", el("b", { text: String(n) }));
    }));
  };

  // An officer's own units come first — those they answer for, or stand in for now — the
  // check one click away.
  const drawMine = () => {
    const own = order.map((c) => rows.get(c)).filter((r) => r.mine);
    mine.hidden = !own.length && me.role !== "officer";
    mine.replaceChildren(el("h2", { id: "my-units-title", text: t("matrix.mine") }),
      own.length ? el("ul", {}, ...own.map((r) => el(`li.my-unit${troubled(r) ? ".troubled" : ""}`, { tabindex: -1, dataset: { code: r.code } },
        el("div.my-name", {}, el("strong", { text: r.name }), " ", el("span.level", { text: t(`matrix.level.${r.level}`) })),
        checkState(r.check), el("div.my-duty", {}, el("span.muted", { text: t("matrix.labelled", { label: t("matrix.col.on_duty") }) }), onDuty(r)), r.gaps.length ? gaps(r) : null,
        r.actions?.includes("check") ? el("button.do-check", { type: "button", text: t("matrix.do_check"), onclick: () => checkDialog(r) }) : null)))
        : el("p.muted", { text: t("matrix.mine.empty") }));
  };

  const drawTools = (m) => {
    const link = (kind) => el("a.button.secondary", { href: `/api/duty/${kind}.csv`, download: `${kind}-${m.day}.csv`, text: t(`matrix.csv.${kind}`) });
    tools.replaceChildren(link("matrix"), link("rosters"),
      ...(m.may_import ? [importer("matrix"), importer("rosters"), el("p.hint.import-hint", { text: t("matrix.import.hint") })] : []));
  };

  const importer = (kind) => {
    const picker = el("input", { type: "file", accept: ".csv,text/csv", hidden: true, "aria-label": t(`matrix.import.${kind}`) });
    picker.onchange = async () => {
      const file = picker.files[0];
      picker.value = "";
      if (!file) return;
      report.replaceChildren(t("matrix.importing"));
      try {
        const { changed } = await postCsv(`/api/duty/${kind}.csv`, file);
        report.replaceChildren(el("p.ok", { text: t("matrix.imported", { n: changed }) }));
        load();
      } catch (err) {
        report.replaceChildren(el("p.error", { text: t("matrix.refused") }),
          el("ul.problems", {}, ...(err.rows ?? [{ line: 0, reason: "", message: errorText(err) }]).map((p) => el("li", { text: problemText(p) }))));
      }
    };
    return el("span.importer", {}, el("button.secondary", { type: "button", text: t(`matrix.import.${kind}`), onclick: () => picker.click() }), picker);
  };

  const checkDialog = (r) => checklist(r, zone, () => {
    // The server's own row, at once; the live frame that follows reads it again.
    refresh(r.code).then(() => {
      // The button that opened the checklist is gone: focus goes to the unit it was for.
      (mine.querySelector(`li[data-code="${r.code}"]`) ?? lines.get(r.code)?.querySelector("[data-focus=detail]"))?.focus();
    });
  });

  // Each unit's incidents, kept up to date in its row and open details.
  const alarms = unitAlarms(() => {
    if (!matrix) return;
    for (const [code, tr] of lines) tr.querySelector("td.col-incidents")?.replaceWith(alarms.cell(code));
    for (const [code, d] of details) d.querySelector("dd.unit-incidents")?.replaceChildren(alarms.list(code));
  });

  current = (f) => {
    if (!root.isConnected || !matrix) return;
    if (f.unit) refreshSoon(f.unit); else reloadSoon();
  };
  currentAlarms = () => { if (root.isConnected) alarms.soon(); };
  if (!following) {
    following = true;
    let hellos = live.state === "connected" ? 1 : 0;
    live.on("duty", (f) => current(f));
    live.on("incident", () => currentAlarms());
    // After a reconnect frames may have been missed: read it all again.
    live.on("hello", () => { if (hellos++) { current({ unit: null }); currentAlarms(); } });
    live.subscribeDuty();
    live.subscribeOps();
  }
  status.textContent = t("matrix.loading");
  load();
  alarms.load();
  return root;
}

const at = (ms) => hm.format(ms);

function person(p, primary) {
  if (!p) return el(`span${primary ? ".gap-text" : ".muted"}`, { text: t("matrix.nobody") });
  return p.disabled ? el("span.gap-text", { text: t("matrix.person.disabled", { name: p.name }) }) : el("span", { text: p.name, title: p.username });
}

function onDuty(r) {
  const d = r.on_duty;
  if (!d) return el("span.gap-text", { text: t("matrix.on_duty.none") });
  const via = t(`matrix.via.${d.via}`);
  return d.unit && d.unit !== r.code
    ? el("span.above", { text: t("matrix.on_duty.above", { unit: d.unit_name, name: d.name, via }) })
    : el("span", { text: t("matrix.on_duty", { name: d.name, via }) });
}

function checkState(c) {
  const time = (k) => t(k, { time: deadlineText });
  const note = {
    done: c.by ? t("matrix.check.by", { by: c.by, at: c.at ? at(c.at) : "" }) : "",
    late: [c.by ? t("matrix.check.by", { by: c.by, at: c.at ? at(c.at) : "" }) : "", time("matrix.check.late.note")].filter(Boolean).join(" · "),
    missed: time("matrix.check.missed.note"),
    pending: time("matrix.check.pending.note"),
  }[c.state] ?? "";
  return el(`span.check.${c.state}`, { dataset: { state: c.state } },
    el("span.check-state", { text: t(`matrix.check.${c.state}`) }), note ? el("span.check-note", { text: note }) : null);
}

function gaps(r) {
  if (!r.gaps.length) return el("span.muted", { text: t("matrix.gap.none") });
  return el("ul.gaps", {}, ...r.gaps.map((g) => el("li.gap", { dataset: { gap: g },
    text: g === "uncovered" ? t("matrix.gap.uncovered", { n: r.uncovered_hours }) : t(`matrix.gap.${g}`) })));
}

/** What an import problem says, line by line, in the console's language. */
function problemText(p) {
  const key = `matrix.reason.${p.reason}`;
  const said = t(key);
  const line = p.line ? `${t("people.line", { n: p.line })} · ` : "";
  return `${line}${said === key ? p.message : said}${p.field ? t("matrix.field", { field: p.field }) : ""}`;
}
