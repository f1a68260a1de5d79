// Incidents (告警) as every screen shows them — the ops view, the matrix's 告警 column and the
// notice banner: what and where, how far it climbed, who was told, its state, and the buttons the
// server allows (`actions`): 确认 at once, 处置 with a short note. Times are the region's.

import { api } from "./api.js";
import { el, duration, toast } from "./format.js";
import { t, errorText } from "./i18n.js";

// The region's one local time; the incident and uptime reads do not name it (the matrix does).
const ZONE = "Asia/Shanghai";
const stamp = new Intl.DateTimeFormat("zh-CN", { timeZone: ZONE, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const hm = new Intl.DateTimeFormat("zh-CN", { timeZone: ZONE, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const day = new Intl.DateTimeFormat("sv-SE", { timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit" });

/** A time in the region's zone: hours and minutes today, with the date otherwise. */
export function when(ms, now = Date.now()) {
  return day.format(ms) === day.format(now) ? hm.format(ms) : stamp.format(ms);
}

/** The incidents of the viewer's area: open ones and those resolved in the last `days`. */
export async function readIncidents(days = 7) {
  return (await api("GET", `/api/incidents?days=${days}`)).incidents;
}

export const isActive = (inc) => inc.status !== "resolved";

/** "泾源县（县区）" */
export function unitText(u) {
  return u?.level ? t("incident.unit", { unit: u.name, level: t(`matrix.level.${u.level}`) }) : (u?.name ?? "");
}

/** How far it climbed: still with its own unit, or up to which unit and level. */
export function reachedText(inc) {
  return inc.step > 0 && inc.reached?.code !== inc.unit?.code
    ? t("incident.reached", { unit: unitText(inc.reached), n: inc.step })
    : t("incident.reached.own", { unit: unitText(inc.reached ?? inc.unit) });
}

export function toldText(inc) {
  return inc.told ? t("incident.told", { name: inc.told }) : t("incident.told.nobody");
}

/** 未确认 / 已确认 / 已处置, coloured by state. */
export function stateBadge(inc) {
  return el(`span.inc-state.${inc.status}`, { dataset: { status: inc.status }, text: t(`incident.status.${inc.status}`) });
}

/** 严重 / 警告 */
export function severityBadge(inc) {
  return el(`span.severity.${inc.severity}`, { text: t(`incident.severity.${inc.severity}`) });
}

/** Who acknowledged and resolved it, and when; how long it has been open. `now` is the server's. */
export function progressText(inc, now) {
  const parts = [t("incident.opened", { at: when(inc.opened_at, now), d: duration(Math.max(0, (inc.resolved_at ?? now) - inc.opened_at)) })];
  if (inc.acknowledged_at) parts.push(t("incident.acknowledged", { name: inc.acknowledged_by ?? "", at: when(inc.acknowledged_at, now) }));
  if (inc.resolved_at) parts.push(t("incident.resolved", { at: when(inc.resolved_at, now) }));
  return parts.join(" · ");
}

/** What an incident refusal says: a changed state in plain words. */
function refusal(err) {
  if (err.code === "invalid_state") return t("incident.error.state");
  if (err.code === "not_found") return t("incident.error.gone");
  return errorText(err);
}

export async function acknowledge(inc) {
  return (await api("POST", `/api/incidents/${inc.id}/acknowledge`, {})).incident;
}

/** The buttons the server allows on `inc` — 确认, and 处置 which asks for a note in a small
 * form below them; `done` gets the server's incident after either. */
export function incidentButtons(inc, done) {
  const error = el("p.error.inc-error", { role: "alert" });
  const more = el("div.inc-form");
  const ack = inc.actions?.includes("acknowledge")
    ? el("button.ack", { type: "button", text: t("incident.acknowledge"), dataset: { focus: "ack" }, onclick: async (e) => {
      const button = e.currentTarget;
      button.disabled = true;
      error.textContent = "";
      try {
        const fresh = await acknowledge(inc);
        toast(t("incident.acknowledged.toast", { title: inc.title }));
        done(fresh);
      } catch (err) { error.textContent = refusal(err); button.disabled = false; done(null); }
    } }) : null;
  const resolve = inc.actions?.includes("resolve")
    ? el("button.secondary.resolve", { type: "button", text: t("incident.resolve"), dataset: { focus: "resolve" }, "aria-expanded": "false",
      onclick: (e) => {
        const open = !more.firstChild;
        e.currentTarget.setAttribute("aria-expanded", String(open));
        more.replaceChildren(...(open ? [resolveForm(inc, error, e.currentTarget, done)] : []));
        more.querySelector("input")?.focus();
      } }) : null;
  return { buttons: [ack, resolve].filter(Boolean), more, error };
}

function resolveForm(inc, error, opener, done) {
  const note = el("input", { name: "note", required: true, maxlength: 200, placeholder: t("incident.note.placeholder"), "aria-label": t("incident.note") });
  const submit = el("button", { type: "submit", text: t("incident.resolve.submit") });
  const form = el("form.resolve-form", {}, el("label", {}, t("incident.note"), note), submit,
    el("button.secondary", { type: "button", text: t("dialog.cancel"), onclick: () => { form.remove(); opener.setAttribute("aria-expanded", "false"); opener.focus(); } }));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    submit.disabled = true;
    error.textContent = "";
    try {
      const { incident } = await api("POST", `/api/incidents/${inc.id}/resolve`, { note: note.value.trim() });
      toast(t("incident.resolved.toast", { title: inc.title }));
      done(incident);
    } catch (err) { error.textContent = refusal(err); submit.disabled = false; if (err.code === "invalid_state") done(null); }
  });
  return form;
}

/** Incident `id`'s timeline, read now: each step with its time, person and unit. */
export function timeline(id) {
  const list = el("ol.inc-timeline", { "aria-label": t("incident.timeline") }, el("li.muted", { text: "…" }));
  api("GET", `/api/incidents/${id}`).then(({ incident }) => {
    list.replaceChildren(...incident.timeline.map((x) => el(`li.kind-${x.kind}`, {},
      el("time", { text: when(x.at) }), " ", el("strong", { text: t(`incident.kind.${x.kind}`) }),
      x.person ? ` ${x.person}` : "", x.unit ? ` · ${x.unit}` : "", x.detail && x.detail !== x.unit ? ` · ${x.detail}` : "")));
    if (!incident.timeline.length) list.replaceChildren(el("li.muted", { text: t("incident.timeline.empty") }));
  }, (err) => list.replaceChildren(el("li.error", { text: refusal(err) })));
  return list;
}
