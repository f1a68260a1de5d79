// The audit trail for security officers and administrators: who did what, when, from where,
// in their own subtree, with filters, more on demand, and a CSV download. The server decides
// who may read it; the console shows the button only when it answers.

import { api } from "./api.js";
import { el } from "./format.js";
import { t, errorText } from "./i18n.js";

const KINDS = ["sign_in", "sign_in_failed", "token_issued", "sign_out", "ticket_viewed",
  "ticket_transferred", "file_uploaded", "file_downloaded", "refused", "rate_limited", "person_created",
  "person_disabled", "person_enabled", "person_unlocked", "sessions_ended", "password_changed", "person_changed",
  "group_created", "group_changed", "article_written", "article_changed", "article_removed",
  "duty_matrix_imported", "duty_rosters_imported"];

/** True when the server lets this person read the trail. */
export async function mayReadAudit() {
  try { await api("GET", "/api/audit?limit=1"); return true; } catch { return false; }
}

function query(form, before) {
  const q = new URLSearchParams();
  const actor = form.actor.value.trim();
  if (actor) q.set("actor", actor);
  if (form.kind.value) q.set("kind", form.kind.value);
  const unit = form.unit.value.trim();
  if (unit) q.set("unit", unit);
  if (form.from.value) q.set("from", String(new Date(`${form.from.value}T00:00`).getTime()));
  if (form.until.value) q.set("until", String(new Date(`${form.until.value}T23:59:59`).getTime()));
  if (before) q.set("before", String(before));
  return q;
}

function row(e) {
  const at = new Date(e.at).toLocaleString("zh-CN", { hour12: false });
  return el("tr", {},
    el("td", { text: at }), el("td", { text: t(`audit.kind.${e.kind}`) }), el("td", { text: e.actor }),
    el("td", { text: e.subject }), el("td", { text: e.detail }), el("td", { text: e.address }));
}

export function auditPanel() {
  const kind = el("select", { name: "kind" }, el("option", { value: "", text: t("audit.all") }),
    ...KINDS.map((k) => el("option", { value: k, text: t(`audit.kind.${k}`) })));
  const form = el("form.audit-filters", {},
    el("label", {}, t("audit.actor"), el("input", { name: "actor", placeholder: "clerk.dawan" })),
    el("label", {}, t("audit.unit"), el("input", { name: "unit", placeholder: "640424", inputmode: "numeric" })),
    el("label", {}, t("audit.kind"), kind),
    el("label", {}, t("audit.from"), el("input", { name: "from", type: "date" })),
    el("label", {}, t("audit.until"), el("input", { name: "until", type: "date" })),
    el("button", { type: "submit", text: t("audit.search") }));
  const body = el("tbody");
  const table = el("table.audit", {},
    el("thead", {}, el("tr", {}, ...["time", "what", "who", "subject", "detail", "address"]
      .map((c) => el("th", { text: t(`audit.col.${c}`) })))), body);
  const more = el("button.secondary", { type: "button", text: t("audit.more"), hidden: true });
  const csv = el("a.button", { text: t("audit.csv"), download: "audit.csv" });
  const status = el("p.muted", { role: "status" });
  let next = null;
  const load = async (reset) => {
    const q = query(form, reset ? null : next);
    csv.href = `/api/audit.csv?${query(form, null)}`;
    try {
      const page = await api("GET", `/api/audit?${q}`);
      if (reset) body.replaceChildren();
      body.append(...page.entries.map(row));
      next = page.next;
      more.hidden = !next;
      status.textContent = body.children.length ? "" : t("audit.empty");
    } catch (err) { status.textContent = errorText(err); }
  };
  form.addEventListener("submit", (ev) => { ev.preventDefault(); load(true); });
  more.addEventListener("click", () => load(false));
  load(true);
  return el("section.audit-panel", {}, el("h2", { text: t("audit.title") }), form,
    el("div.audit-actions", {}, csv), el("div.audit-scroll", {}, table), more, status);
}
