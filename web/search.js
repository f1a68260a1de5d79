// Finding any ticket in one's area: by number or words, unit, service item, state, handler
// and date; newest first, more on demand. The server decides what is in the area.

import { el, toast } from "./format.js";
import { t, errorText } from "./i18n.js";
import { api } from "./api.js";
import { renderList, named } from "./tickets.js";

const STATES = ["new", "claimed", "waiting", "resolved", "closed"];

export function searchPanel({ catalogue, open, workspace }) {
  const q = el("input", { id: "find-q", type: "search", placeholder: t("find.q.placeholder") });
  const unit = el("input", { id: "find-unit", list: "find-units", placeholder: t("find.unit.placeholder"), autocomplete: "off" });
  const units = el("datalist", { id: "find-units" });
  const item = el("select", { id: "find-item" }, el("option", { value: "", text: t("find.any") }),
    ...catalogue.items.map((i) => el("option", { value: i.code, text: `${i.code} ${named(i)}` })));
  const state = el("select", { id: "find-state" }, el("option", { value: "", text: t("find.any") }),
    ...STATES.map((s) => el("option", { value: s, text: t(`state.${s}`) })));
  const handler = el("input", { id: "find-handler", placeholder: t("find.handler.placeholder") });
  const from = el("input", { id: "find-from", type: "date" });
  const until = el("input", { id: "find-until", type: "date" });
  const results = el("ul.tickets.results", { id: "find-results", "aria-live": "polite" });
  const more = el("button.secondary.more", { type: "button", text: t("find.more"), hidden: true });
  const status = el("div.hint.find-status", { role: "status" });
  const field = (id, label, input) => el("div.field", {}, el("label", { for: id, text: label }), input);
  const form = el("form.find", { role: "search" },
    field("find-q", t("find.q"), q),
    el("div.row", {}, field("find-unit", t("find.unit"), unit), field("find-item", t("find.item"), item)),
    el("div.row", {}, field("find-state", t("find.state"), state), field("find-handler", t("find.handler"), handler)),
    el("div.row", {}, field("find-from", t("find.from"), from), field("find-until", t("find.until"), until)),
    units, el("button", { type: "submit", text: t("find.submit") }));
  const root = el("div.find-panel", { id: "find", hidden: true }, form, status, results, more);
  let unitCodes = null;
  let found = [];
  let next = null;

  // The area's units, read the first time someone reaches for the field (or searches).
  const loadUnits = () => {
    unitCodes ??= api("GET", "/api/units").then(({ units: all }) => {
      // Names repeat across counties; each choice carries its code.
      units.replaceChildren(...all.map((u) => el("option", { value: `${u.name} ${u.code}` })));
      return new Map(all.map((u) => [u.name, u.code]));
    }).catch((err) => { toast(errorText(err)); unitCodes = null; return new Map(); });
    return unitCodes;
  };
  unit.addEventListener("focus", loadUnits);

  const query = async () => {
    const p = new URLSearchParams({ all: "true", limit: "50" });
    if (q.value.trim()) p.set("q", q.value.trim());
    const name = unit.value.trim();
    const code = name.match(/(\d{6,})$/)?.[1];
    if (name) p.set("unit", code ?? (await loadUnits()).get(name) ?? name);
    if (item.value) p.set("item", item.value);
    if (state.value) p.set("state", state.value);
    if (handler.value.trim()) p.set("handler", handler.value.trim());
    if (from.value) p.set("from", String(new Date(`${from.value}T00:00`).getTime()));
    if (until.value) p.set("until", String(new Date(`${until.value}T00:00`).getTime() + 86400000));
    return p;
  };
  let params = null;
  const fetchPage = async () => {
    const p = new URLSearchParams(params);
    if (next) p.set("after", String(next));
    status.textContent = t("find.busy");
    try {
      const page = await api("GET", `/api/tickets?${p}`);
      found = found.concat(page.tickets);
      next = page.next;
      status.textContent = found.length ? t("find.count", { n: found.length }) : "";
    } catch (err) {
      status.textContent = errorText(err);
    }
    more.hidden = !next;
    renderList(results, found, { activeId: workspace.active, open, empty: t("find.empty"), unread: workspace.unread });
  };
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    params = await query();
    found = [];
    next = null;
    fetchPage();
  });
  more.onclick = fetchPage;
  // Opened the first time: the newest tickets of the area (history) until something is asked.
  let shown = false;
  const show = () => {
    if (shown) return;
    shown = true;
    form.requestSubmit();
  };
  return { root, show };
}
