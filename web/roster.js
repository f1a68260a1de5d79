// A unit's duty arrangement in the matrix's detail: its rotations (轮值) and the overrides not
// yet over (替班), and — for those the server lets arrange duty — a form to register leave cover
// and a button to withdraw it. Times are entered and shown in the region's time zone; the
// server reads what is typed in it.

import { api } from "./api.js";
import { el, toast } from "./format.js";
import { t, errorText } from "./i18n.js";

/** The arrangement of unit `code`, read now, in the region's `zone`; `officers` are usernames
 * to offer in the form. */
export function rosterBlock(code, officers, zone) {
  const when = new Intl.DateTimeFormat("zh-CN", { timeZone: zone, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const box = el("div.roster", {}, el("p.muted", { text: "…" }));
  const load = async () => {
    try {
      const { roster } = await api("GET", `/api/duty/units/${encodeURIComponent(code)}/roster`);
      box.replaceChildren(...draw(roster).filter(Boolean));
    } catch (err) { box.replaceChildren(el("p.error", { text: errorText(err) })); }
  };
  const draw = (r) => {
    const rotations = r.rotations.map((x) => el("li", { text: t("roster.rotation", {
      from: x.starts_on, days: x.period_days, people: x.people.join("、"),
      shifts: x.shifts.length ? x.shifts.join(" ") : t("roster.whole_day") }) }));
    const overrides = r.overrides.map((o) => el("li", {}, t("roster.override", { person: o.person, from: when.format(o.from), until: when.format(o.until) }),
      o.reason ? ` · ${o.reason}` : "",
      r.may_arrange ? el("button.link", { type: "button", text: t("roster.withdraw"), onclick: () => withdraw(o.id) }) : null));
    const none = !rotations.length && !overrides.length ? [el("p.muted", { text: t("roster.none") })] : [];
    return [...none, rotations.length ? el("ul.rotations", {}, ...rotations) : null,
      overrides.length ? el("ul.overrides", {}, ...overrides) : null, r.may_arrange ? form() : null];
  };
  const withdraw = async (id) => {
    try { await api("DELETE", `/api/duty/overrides/${id}`); toast(t("roster.withdrawn")); load(); } catch (err) { toast(errorText(err)); }
  };
  const form = () => {
    const list = `officers-${code}`;
    const who = el("input", { name: "username", required: true, list, autocomplete: "off", "aria-label": t("roster.who") });
    const from = el("input", { type: "datetime-local", required: true, "aria-label": t("roster.from") });
    const until = el("input", { type: "datetime-local", required: true, "aria-label": t("roster.until") });
    const reason = el("input", { maxlength: 200, placeholder: t("roster.reason"), "aria-label": t("roster.reason") });
    const error = el("div.error", { role: "alert" });
    const f = el("form.override-form", {}, el("h3", { text: t("roster.add") }),
      el("label", {}, t("roster.who"), who), el("datalist", { id: list }, ...officers.map((u) => el("option", { value: u }))),
      el("label", {}, t("roster.from"), from), el("label", {}, t("roster.until"), until), reason,
      el("button.secondary", { type: "submit", text: t("roster.save") }), error);
    f.addEventListener("submit", async (e) => {
      e.preventDefault();
      error.textContent = "";
      try {
        const body = { username: who.value.trim(), from: from.value, until: until.value, reason: reason.value.trim() };
        await api("POST", `/api/duty/units/${encodeURIComponent(code)}/overrides`, body);
        toast(t("roster.saved"));
        load();
      } catch (err) { error.textContent = errorText(err); }
    });
    return f;
  };
  load();
  return box;
}
