// One monitored system as the ops view shows it: its state (正常/故障/维护中/待检测), its last
// check, availability over 24 h / 7 d / 30 d, the last 60 minutes one cell a minute, a latency
// sparkline, a certificate near its end — and its maintenance windows, with a form to add a
// one-off window where the server allows it (`actions` holds "maintenance").

import { api } from "./api.js";
import { el, duration, toast } from "./format.js";
import { t, errorText } from "./i18n.js";
import { when } from "./incidents.js";

const ZONE = "Asia/Shanghai";
const DAY_MS = 24 * 3600 * 1000;
const SVG = "http://www.w3.org/2000/svg";
const local = new Intl.DateTimeFormat("sv-SE", { timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

/** What the badge says: a stopped monitor is 已停用; a window in force wins over the state the
 * checks found. */
export const shownState = (m) => (m.paused ? "paused" : m.maintenance ? "maintenance" : m.state?.status ?? "pending");

/** 99.93% (two decimals), or a dash without data. */
export function percent(v) {
  return v === null || v === undefined ? "—" : `${(Math.floor(v * 10000 + 1e-6) / 100).toFixed(2)}%`;
}

export function stateBadge(m) {
  const s = shownState(m);
  return el(`span.up-state.${s}`, { dataset: { status: s }, text: t(`uptime.status.${s}`) });
}

/** The last check: what it found, how fast, when; how long it has been down. */
export function lastCheck(m, now) {
  const last = m.state?.last;
  if (!last) return el("span.muted", { text: t("uptime.last.none") });
  const down = m.state.status === "down" && m.state.since;
  return el("div.last-check", {},
    el(`span.detail${last.ok ? "" : ".bad"}`, { text: last.detail || t(last.ok ? "uptime.ok" : "uptime.failed") }),
    el("span.muted", { text: ` · ${t("uptime.ms", { n: last.latency_ms })} · ${when(last.at, now)}` }),
    down ? el("div.down-for", { text: t("uptime.down_for", { d: duration(Math.max(0, now - m.state.since)) }) }) : null);
}

/** A certificate ending within 30 days, or ended. */
export function certificate(m, now) {
  const end = m.state?.cert_expires_at;
  if (!end || end - now > 30 * DAY_MS) return null;
  const days = Math.ceil((end - now) / DAY_MS);
  return el("span.cert", { text: days > 0 ? t("uptime.cert", { n: days }) : t("uptime.cert.over") });
}

const cellKind = (x) => (x.maintenance ? "maintenance" : x.up === null || x.up === undefined ? "none" : x.up >= 1 ? "up" : x.up <= 0 ? "down" : "partial");

/** The last hour, one cell a minute (oldest first): green up, red down, amber partly, grey no
 * data, striped blue in maintenance. Read out as minutes per kind. */
export function historyBar(m, now) {
  const minutes = m.minutes?.length ? m.minutes : Array.from({ length: 60 }, () => ({ up: null, maintenance: false }));
  const tally = {};
  const cells = minutes.map((x, i) => {
    const kind = cellKind(x);
    tally[kind] = (tally[kind] ?? 0) + 1;
    const at = now - (minutes.length - 1 - i) * 60000;
    const share = kind === "none" ? t("uptime.cell.none") : t("uptime.cell.up", { p: Math.round((x.up ?? 0) * 100) });
    return el(`span.cell.${kind}`, { title: `${when(at, now)} · ${x.maintenance ? t("uptime.status.maintenance") : share}` });
  });
  const said = ["up", "partial", "down", "maintenance", "none"].filter((k) => tally[k]).map((k) => t(`uptime.minutes.${k}`, { n: tally[k] })).join("，");
  return el("div.history-bar", { role: "img", "aria-label": t("uptime.history", { said }), dataset: { down: String(tally.down ?? 0) } }, ...cells);
}

/** Latency over the last hour as a line, gaps where nothing was measured; the latest in ms. */
export function sparkline(m) {
  const values = (m.minutes ?? []).map((x) => (Number.isFinite(x.latency_ms) ? x.latency_ms : null));
  const known = values.filter((v) => v !== null);
  if (!known.length) return el("span.muted", { text: "—" });
  const w = 80, h = 22, top = Math.max(...known, 1);
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  svg.setAttribute("width", String(w));
  svg.setAttribute("height", String(h));
  svg.setAttribute("aria-hidden", "true");
  let points = [];
  const flush = () => {
    if (points.length === 1) points.push([points[0][0] + 1, points[0][1]]);
    if (points.length) {
      const line = document.createElementNS(SVG, "polyline");
      line.setAttribute("points", points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" "));
      svg.append(line);
    }
    points = [];
  };
  values.forEach((v, i) => {
    if (v === null) return flush();
    points.push([(i / Math.max(values.length - 1, 1)) * (w - 2) + 1, h - 2 - (v / top) * (h - 4)]);
  });
  flush();
  const latest = [...known].pop();
  return el("span.spark", { role: "img", "aria-label": t("uptime.latency", { last: latest, top }) }, svg,
    el("span.spark-last", { "aria-hidden": "true", text: t("uptime.ms", { n: latest }) }));
}

/** A `datetime-local` value read in the region's zone, as ms. */
function zonedMs(value) {
  const [y, mo, d, hh, mi] = value.split(/[-T:]/).map(Number);
  const guess = Date.UTC(y, mo - 1, d, hh, mi);
  const offset = (ms) => {
    const [a, b] = local.format(ms).split(" ");
    const [yy, mm, dd] = a.split("-").map(Number);
    const [h, m] = b.split(":").map(Number);
    return Date.UTC(yy, mm - 1, dd, h, m) - Math.floor(ms / 60000) * 60000;
  };
  const first = guess - offset(guess);
  return guess - offset(first);
}

const inputValue = (ms) => local.format(ms).replace(" ", "T");

export function windowText(w, now) {
  if (w.weekdays) return t("uptime.window.weekly", { days: w.weekdays.map((d) => t(`uptime.weekday.${d}`)).join("、"), shift: w.shift });
  return t("uptime.window.once", { from: when(w.starts_at, now), until: when(w.ends_at, now) });
}

/** The maintenance windows of monitor `m`, and for those allowed a form to add a one-off one.
 * `changed` reads the monitor again. The form is built once and kept across redraws. */
export function maintenanceBlock(m, now, changed) {
  const list = el("ul.windows");
  const box = el("div.maintenance", {}, el("h3", { text: t("uptime.windows", { name: m.name }) }), list);
  const may = m.actions?.includes("maintenance");
  const update = (mon, at) => {
    const rows = (mon.windows ?? []).map((w) => el("li", { dataset: { window: String(w.id) } },
      el("strong", { text: w.title }), " ", el("span", { text: windowText(w, at) }),
      may ? el("button.link.danger-text", { type: "button", text: t("uptime.window.remove"), "aria-label": t("uptime.window.remove.named", { title: w.title }),
        onclick: async () => {
          try { await api("DELETE", `/api/uptime/maintenance/${w.id}`); toast(t("uptime.window.removed")); changed(); } catch (err) { toast(errorText(err)); }
        } }) : null));
    list.replaceChildren(...(rows.length ? rows : [el("li.muted", { text: t("uptime.windows.none") })]));
  };
  update(m, now);
  if (may) box.append(windowForm(m, now, changed));
  return { node: box, update };
}

function windowForm(m, now, changed) {
  const title = el("input", { name: "title", required: true, maxlength: 100, placeholder: t("uptime.window.title.placeholder") });
  const from = el("input", { name: "starts_at", type: "datetime-local", required: true, value: inputValue(now) });
  const until = el("input", { name: "ends_at", type: "datetime-local", required: true, value: inputValue(now + 2 * 3600 * 1000) });
  const error = el("div.error", { role: "alert" });
  const form = el("form.window-form", {}, el("h4", { text: t("uptime.window.add") }),
    el("label", {}, t("uptime.window.title"), title), el("label", {}, t("uptime.window.from"), from),
    el("label", {}, t("uptime.window.until"), until), el("button.secondary", { type: "submit", text: t("uptime.window.save") }), error);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    const starts = zonedMs(from.value), ends = zonedMs(until.value);
    if (!(ends > starts)) { error.textContent = t("uptime.window.order"); return; }
    try {
      await api("POST", `/api/uptime/monitors/${encodeURIComponent(m.key)}/maintenance`, { title: title.value.trim(), starts_at: starts, ends_at: ends });
      toast(t("uptime.window.saved"));
      title.value = "";
      changed();
    } catch (err) { error.textContent = errorText(err); }
  });
  return form;
}
