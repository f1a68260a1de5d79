// The ops view (运维监控): how many systems of the viewer's area are up, down or in maintenance;
// the open incidents first — where, how far they climbed, who was told, for how long — with the
// buttons the server allows and each one's timeline; then every monitored system, down ones
// first, filtered by state or found by name. Live `probe` and `incident` frames read again what
// changed, at most every two seconds; the whole is read every 30 s while the page is seen.
// Those who manage monitors add, change, stop (停用) and start again systems here; stopped ones
// come last, greyed.

import { api } from "./api.js";
import { el, toast } from "./format.js";
import { t, errorText } from "./i18n.js";
import { readIncidents, isActive, unitText, reachedText, toldText, stateBadge as incState, severityBadge, progressText, incidentButtons, timeline } from "./incidents.js";
import { shownState, percent, stateBadge, lastCheck, certificate, historyBar, sparkline, maintenanceBlock } from "./monitors.js";
import { monitorDialog } from "./monitor-form.js";

const ORDER = ["down", "maintenance", "pending", "up", "paused"];
const COLUMNS = ["state", "system", "last", "h24", "d7", "d30", "history", "latency", "actions"];
const AVAIL = ["h24", "d7", "d30"];
const RELOAD_MS = 2000;
const EVERY_MS = 30000;

let probe = null;
/** Whether the server shows this person the monitors; the answer is kept for the first drawing. */
export async function mayWatch() {
  try { probe = { at: Date.now(), data: await api("GET", "/api/uptime/monitors") }; return true; } catch { return false; }
}

/** The ops view on screen now; the live handlers are added once. */
let current = null;
let following = false;

/** Opens incident `id` in the ops view on screen (its timeline shown, focus on it). */
export function showIncident(id) { current?.show(id); }

export function opsPanel(live, me) {
  const monitors = new Map();   // key → monitor
  const details = new Map();    // key → { tr, block } of an open maintenance detail
  const cards = new Map();      // incident id → its card
  let incidents = [];
  let skew = 0;                 // the server's clock less this browser's
  let filter = "all";
  let wanted = null;            // an incident asked for before the list arrived
  let focusNext = null;         // [key, data-focus] to focus once that row is drawn
  let units = null;             // the units of the area, for the add form's list
  const now = () => Date.now() + skew;

  const heading = el("h1", { id: "ops-title", tabindex: -1, text: t("ops.title.unit", { unit: me.unit_name }) });
  const hint = el("p.hint");
  const status = el("p.muted", { role: "status" });
  const counts = el("ul.ops-counts", { "aria-label": t("ops.summary") });
  const active = el("ul.incident-list");
  const quiet = el("p.muted", { text: t("ops.incidents.none") });
  const past = el("ul.incident-list.past");
  const pastBox = el("details.past-incidents", {}, el("summary"), past);
  const search = el("input", { type: "search", id: "ops-search", placeholder: t("ops.search.placeholder"), autocomplete: "off" });
  const labels = {};
  const filters = el("fieldset.ops-filter", {}, el("legend", { text: t("ops.filter") }),
    ...["all", ...ORDER].map((f) => el("label.check", {},
      el("input", { type: "radio", name: "ops-filter", value: f, checked: f === "all", onchange: () => { filter = f; drawMonitors(); } }),
      labels[f] = el("span", { text: t(`ops.filter.${f}`) }))));
  const body = el("tbody");
  const none = el("p.muted", { hidden: true, text: t("ops.filter.none") });
  search.addEventListener("input", () => drawMonitors());
  const add = el("button.secondary.mon-add", { type: "button", hidden: true, text: t("monitor.add"), onclick: () => openForm(null) });
  const root = el("section.ops-panel", { "aria-labelledby": "ops-title" },
    heading, hint, status, counts,
    el("section.ops-incidents", { "aria-labelledby": "ops-incidents-title" },
      el("h2", { id: "ops-incidents-title", text: t("ops.incidents") }), quiet, active, pastBox),
    el("section.ops-monitors", { "aria-labelledby": "ops-monitors-title" },
      el("div.ops-head", {}, el("h2", { id: "ops-monitors-title", text: t("ops.monitors") }), add),
      el("div.ops-bar", {}, filters, el("label.ops-find", { for: "ops-search" }, el("span", { text: t("ops.search") }), search)),
      el("div.board-scroll", {}, el("table.monitors", {},
        el("colgroup", {}, ...COLUMNS.map((c) => el(`col.col-${c}`))),
        el("thead", {}, el("tr", {}, ...COLUMNS.filter((c) => !AVAIL.includes(c) || c === AVAIL[0]).map((c) => AVAIL.includes(c)
          ? el("th.col-avail", { scope: "colgroup", colspan: AVAIL.length, text: t("ops.col.availability") })
          : el(`th.col-${c}`, { scope: "col", rowspan: 2, text: t(`ops.col.${c}`) }))),
        el("tr", {}, ...AVAIL.map((c) => el(`th.col-${c}`, { scope: "col", text: t(`ops.col.${c}.short`) })))), body)), none));

  // Reading: what changed, at most every two seconds; the whole every 30 s.
  const due = { all: false, incidents: false, keys: new Set() };
  let lastLoad = 0;
  let timer = null;
  const soon = () => {
    if (timer) return;
    timer = setTimeout(run, Math.max(0, lastLoad + RELOAD_MS - Date.now()));
  };
  const run = async () => {
    timer = null;
    if (!root.isConnected) return;
    lastLoad = Date.now();
    const all = due.all || due.keys.size > 5, keys = [...due.keys], withIncidents = due.all || due.incidents;
    due.all = false; due.incidents = false; due.keys.clear();
    try {
      await Promise.all([
        all ? api("GET", "/api/uptime/monitors").then(take) : Promise.all(keys.map(one)),
        withIncidents ? readIncidents().then((list) => { incidents = list; }) : null,
      ]);
      status.textContent = "";
    } catch (err) {
      status.textContent = errorText(err);
      // Read too often (the server paces each person's reads): all again when it allows.
      if (err.code === "rate_limited") {
        due.all = true;
        clearTimeout(timer);
        timer = setTimeout(run, (err.retryAfter || 2) * 1000);
      }
    }
    draw();
  };
  const take = (data) => {
    skew = data.at - Date.now();
    add.hidden = !data.may_add;
    monitors.clear();
    for (const m of data.monitors) monitors.set(m.key, m);
  };
  const one = async (key) => {
    try {
      const data = await api("GET", `/api/uptime/monitors?monitor=${encodeURIComponent(key)}`);
      skew = data.at - Date.now();
      for (const m of data.monitors) monitors.set(m.key, m);
    } catch (err) { if (err.code === "not_found") monitors.delete(key); else throw err; }
  };
  const reread = (what) => { if (what === "all") due.all = true; else if (what === "incidents") due.incidents = true; else due.keys.add(what); soon(); };

  const draw = () => { drawCounts(); drawIncidents(); drawMonitors(); hint.textContent = t("ops.hint", { at: new Date(now()).toLocaleTimeString("zh-CN", { timeZone: "Asia/Shanghai", hourCycle: "h23" }) }); };

  const drawCounts = () => {
    const by = Object.fromEntries(ORDER.map((s) => [s, 0]));
    for (const m of monitors.values()) by[shownState(m)] += 1;
    const open = incidents.filter((i) => i.status === "open").length;
    const acked = incidents.filter((i) => i.status === "acknowledged").length;
    const item = (key, n, hot) => el(`li${hot === true ? ".hot" : hot ? `.${hot}` : ""}.${key}`, { dataset: { count: key } }, el("span", { text: t(`ops.count.${key}`) }), " ", el("b", { text: String(n) }));
    counts.replaceChildren(...[item("up", by.up, false), item("down", by.down, by.down > 0), item("maintenance", by.maintenance, false),
      by.pending ? item("pending", by.pending, false) : null, by.paused ? item("paused", by.paused, false) : null, item("open", open, open > 0), item("acknowledged", acked, acked > 0 && "warm")].filter(Boolean));
    for (const f of ["all", ...ORDER]) labels[f].textContent = t(`ops.filter.${f}`) + t("ops.filter.n", { n: f === "all" ? monitors.size : by[f] });
  };

  const drawIncidents = () => {
    const shown = incidents.filter(isActive);
    const done = incidents.filter((i) => !isActive(i));
    const keep = new Set(incidents.map((i) => i.id));
    for (const id of cards.keys()) if (!keep.has(id)) cards.delete(id);
    const focus = document.activeElement?.closest?.("li.incident") && root.contains(document.activeElement)
      ? [Number(document.activeElement.closest("li.incident").dataset.id), document.activeElement.dataset.focus] : null;
    place(active, shown.map(card));
    place(past, done.map(card));
    quiet.hidden = shown.length > 0;
    pastBox.hidden = !done.length;
    pastBox.firstChild.textContent = t("ops.incidents.past", { n: done.length });
    if (focus?.[1]) cards.get(focus[0])?.node.querySelector(`[data-focus="${focus[1]}"]`)?.focus();
    if (wanted !== null && cards.has(wanted)) { const id = wanted; wanted = null; show(id); }
  };

  // A card is kept across redraws, so a note being typed or an open timeline stays.
  const card = (inc) => {
    let c = cards.get(inc.id);
    if (!c) {
      c = { node: el("li.incident", { tabindex: -1, dataset: { id: String(inc.id) } }), head: el("div.inc-head"), meta: el("div.inc-meta"),
        bar: el("div.inc-actions"), forms: el("div.inc-forms"), tl: el("div.inc-tl"), sig: null, timeline: false };
      c.node.append(c.head, c.meta, c.bar, c.forms, c.tl);
      cards.set(inc.id, c);
    }
    c.node.className = `incident ${inc.status}${inc.mine ? " mine" : ""}`;
    c.head.replaceChildren(...[severityBadge(inc), el("strong.inc-title", { text: inc.title }), incState(inc),
      inc.mine ? el("span.mine-tag", { text: t("incident.mine") }) : null].filter(Boolean));
    c.meta.replaceChildren(el("span.inc-unit", { text: t("incident.in", { unit: unitText(inc.unit) }) }), el("span.reached", { text: reachedText(inc) }),
      el("span.told", { text: toldText(inc) }), el("span.progress", { text: progressText(inc, now()) }));
    const sig = `${inc.status}|${(inc.actions ?? []).join()}|${inc.step}`;
    if (sig !== c.sig) {
      const changed = c.sig !== null;
      c.sig = sig;
      const { buttons, more, error } = incidentButtons(inc, (fresh) => { if (fresh) upsert(fresh); reread("incidents"); });
      const toggle = el("button.link.tl-toggle", { type: "button", dataset: { focus: "timeline" }, "aria-expanded": String(c.timeline),
        text: t(c.timeline ? "incident.timeline.hide" : "incident.timeline"), onclick: () => flip(c, inc.id) });
      c.bar.replaceChildren(...buttons, toggle);
      c.forms.replaceChildren(error, more);
      if (changed && c.timeline) c.tl.replaceChildren(timeline(inc.id));
    }
    return c.node;
  };
  const flip = (c, id) => {
    c.timeline = !c.timeline;
    c.tl.replaceChildren(...(c.timeline ? [timeline(id)] : []));
    const toggle = c.bar.querySelector(".tl-toggle");
    toggle.setAttribute("aria-expanded", String(c.timeline));
    toggle.textContent = t(c.timeline ? "incident.timeline.hide" : "incident.timeline");
  };
  const upsert = (fresh) => {
    const i = incidents.findIndex((x) => x.id === fresh.id);
    if (i >= 0) incidents[i] = { ...incidents[i], ...fresh }; else incidents.unshift(fresh);
    drawCounts(); drawIncidents();
  };
  const show = (id) => {
    const c = cards.get(id);
    if (!c) { wanted = id; reread("incidents"); return; }
    if (!c.timeline) flip(c, id);
    if (!c.node.closest("details")?.open) c.node.closest("details")?.setAttribute("open", "");
    c.node.scrollIntoView({ block: "center" });
    c.node.focus();
  };

  const drawMonitors = () => {
    const q = search.value.trim().toLowerCase();
    const match = (m) => (filter === "all" || shownState(m) === filter)
      && (!q || [m.name, m.unit?.name, m.unit?.code, m.key, m.target].some((s) => String(s ?? "").toLowerCase().includes(q)));
    const held = document.activeElement?.closest?.("tr.monitor");
    const focus = held && body.contains(held) ? [held.dataset.key, document.activeElement.dataset.focus] : null;
    const at = now();
    const rows = [];
    for (const s of ORDER) {
      const group = [...monitors.values()].filter((m) => shownState(m) === s && match(m))
        .sort((a, b) => String(a.unit?.code).localeCompare(String(b.unit?.code)) || a.name.localeCompare(b.name, "zh"));
      if (!group.length) continue;
      rows.push(el(`tr.group.${s}`, {}, el("th", { colspan: COLUMNS.length, scope: "colgroup", text: t("ops.group", { state: t(`uptime.status.${s}`), n: group.length }) })));
      for (const m of group) {
        rows.push(line(m, at));
        const d = details.get(m.key);
        if (d) { d.block.update(m, at); rows.push(d.tr); }
      }
    }
    for (const key of details.keys()) if (!monitors.has(key)) details.delete(key);
    place(body, rows);
    none.hidden = rows.length > 0;
    const wantFocus = focusNext && body.querySelector(`tr.monitor[data-key="${CSS.escape(focusNext[0])}"] [data-focus="${focusNext[1]}"]`);
    if (wantFocus) { focusNext = null; wantFocus.focus(); wantFocus.scrollIntoView({ block: "center" }); }
    else if (focus) body.querySelector(`tr.monitor[data-key="${CSS.escape(focus[0])}"] [data-focus="${focus[1]}"]`)?.focus();
  };

  const line = (m, at) => {
    const s = shownState(m);
    const a = m.availability ?? {};
    const cell = (c, ...content) => el(`td.col-${c}`, { dataset: { label: t(`ops.col.${c}`) } }, ...content);
    const avail = (v) => el(`span.avail${v !== null && v !== undefined && v < 0.99 ? ".low" : ""}`, { text: percent(v) });
    const maintain = m.actions?.includes("maintenance") || m.windows?.length
      ? el("button.link", { type: "button", dataset: { focus: "maintain" }, "aria-expanded": String(details.has(m.key)),
        "aria-label": t("uptime.windows", { name: m.name }), text: m.windows?.length ? t("uptime.maintain.n", { n: m.windows.length }) : t("uptime.maintain"), onclick: () => toggleDetail(m.key) }) : null;
    return el(`tr.monitor.${s}`, { dataset: { key: m.key, status: s } },
      cell("state", stateBadge(m)),
      el("th.col-system", { scope: "row" }, el("div.sys-name", { text: m.name }),
        el("div.sys-meta", { text: `${m.unit?.name ?? ""} · ${m.kind.toUpperCase()}`, title: m.target }), certificate(m, at)),
      cell("last", lastCheck(m, at)), cell("h24", avail(a.h24)), cell("d7", avail(a.d7)), cell("d30", avail(a.d30)),
      cell("history", historyBar(m, at)), cell("latency", sparkline(m)), cell("actions", maintain, ...manageButtons(m)));
  };

  // 编辑, 停用 and 启用 as the server allows on `m`.
  const manageButtons = (m) => {
    const button = (action, onclick, cls = "") => el(`button.link${cls}`, { type: "button", dataset: { focus: action },
      "aria-label": t(`monitor.${action}.named`, { name: m.name }), text: t(`monitor.${action}`), onclick });
    return [
      m.actions?.includes("edit") ? button("edit", () => openForm(m)) : null,
      m.actions?.includes("pause") ? button("pause", () => { if (confirm(t("monitor.pause.confirm", { name: m.name }))) flipPaused(m, true); }, ".danger-text") : null,
      m.actions?.includes("resume") ? button("resume", () => flipPaused(m, false)) : null,
    ].filter(Boolean);
  };
  const flipPaused = async (m, paused) => {
    try {
      await api("POST", `/api/uptime/monitors/${encodeURIComponent(m.key)}/${paused ? "pause" : "resume"}`, {});
      toast(t(paused ? "monitor.paused" : "monitor.resumed", { name: m.name }));
      focusNext = [m.key, paused ? "resume" : "pause"];
    } catch (err) { toast(errorText(err)); }
    reread(m.key);
    if (paused) reread("incidents");
  };
  const openForm = async (m) => {
    if (!units) {
      try {
        const { matrix } = await api("GET", "/api/duty/matrix");
        units = matrix.units.map((u) => ({ code: u.code, name: u.name }));
      } catch {
        // No matrix to read: the units that already have systems.
        units = [...new Map([...monitors.values()].map((x) => [x.unit?.code, { code: x.unit?.code, name: x.unit?.name }])).values()];
      }
    }
    const saved = await monitorDialog({ monitor: m, units, save: (b) => m
      ? api("PUT", `/api/uptime/monitors/${encodeURIComponent(m.key)}`, b)
      : api("POST", "/api/uptime/monitors", b) });
    if (!saved) { (m ? body.querySelector(`tr.monitor[data-key="${CSS.escape(m.key)}"] [data-focus=edit]`) : add)?.focus(); return; }
    toast(t(m ? "monitor.saved" : "monitor.added", { name: saved.name }));
    focusNext = [saved.key, "edit"];
    reread(saved.key);
  };

  const toggleDetail = (key) => {
    if (details.has(key)) details.delete(key);
    else {
      const m = monitors.get(key);
      const block = maintenanceBlock(m, now(), () => reread(key));
      details.set(key, { tr: el("tr.monitor-detail", { dataset: { key } }, el("td", { colspan: COLUMNS.length }, block.node)), block });
    }
    drawMonitors();
    body.querySelector(`tr.monitor[data-key="${CSS.escape(key)}"] [data-focus=maintain]`)?.focus();
  };

  current = { show, frame: reread, root };
  if (!following) {
    following = true;
    let hellos = live.state === "connected" ? 1 : 0;
    live.on("probe", (f) => { if (current?.root.isConnected) current.frame(f.monitor); });
    live.on("incident", () => { if (current?.root.isConnected) current.frame("incidents"); });
    // After a reconnect frames may have been missed: read it all again.
    live.on("hello", () => { if (hellos++ && current?.root.isConnected) current.frame("all"); });
    live.subscribeOps();
  }
  const every = setInterval(() => {
    if (!root.isConnected) { if (current?.root !== root) clearInterval(every); return; }
    if (!document.hidden) reread("all");
  }, EVERY_MS);

  status.textContent = t("ops.loading");
  const kept = probe && Date.now() - probe.at < 10000 ? probe.data : null;
  probe = null;
  lastLoad = Date.now();
  Promise.all([kept ?? api("GET", "/api/uptime/monitors"), readIncidents()]).then(([data, list]) => {
    take(data);
    incidents = list;
    status.textContent = "";
    draw();
  }, (err) => { status.textContent = errorText(err); reread("all"); });
  return root;
}

/** Puts `nodes` in `parent` in this order, moving only what is out of place: a kept node (a
 * form being filled in) stays attached, so it keeps focus and what was typed. */
function place(parent, nodes) {
  const keep = new Set(nodes);
  for (const child of [...parent.children]) if (!keep.has(child)) child.remove();
  nodes.forEach((node, i) => { if (parent.children[i] !== node) parent.insertBefore(node, parent.children[i] ?? null); });
}
