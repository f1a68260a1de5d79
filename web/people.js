// People administration for administrators and unit heads: the people of their subtree, their role, unit
// and group; add one, change, disable or enable, unlock, reset a password, sign them out; and
// import a whole spreadsheet (CSV) — refused whole with each line's problem, or added at once
// with the generated first passwords shown to hand over. The server decides who may.

import { api, postCsv } from "./api.js";
import { el, toast } from "./format.js";
import { t, errorText } from "./i18n.js";
import { named } from "./tickets.js";

const ROLES = ["clerk", "expert", "supervisor", "officer", "ops", "admin"];
const TEMPLATE = "\ufeffusername,name,role,unit,group,password\r\nclerk.example,示例经办人,clerk,640424,,\r\n";

/** True when the server lets this person administer people. */
export async function mayAdminister() {
  try { await api("GET", "/api/people?limit=1"); return true; } catch { return false; }
}

let choices = null;

/** Units (name → code) and expert groups to choose from, read once. */
async function options() {
  choices ??= Promise.all([api("GET", "/api/units"), api("GET", "/api/people/groups")])
    .then(([u, g]) => ({ units: u.units, groups: g.groups }))
    .catch((err) => { choices = null; throw err; });
  return choices;
}

/** What an import problem says, in the console's language. */
export function problemText(p) {
  const key = `people.reason.${p.reason}`;
  const said = t(key);
  return `${t("people.line", { n: p.line })} · ${said === key ? p.message : said}`;
}

export function peoplePanel() {
  const q = el("input", { type: "search", id: "people-q", placeholder: t("people.q.placeholder") });
  const role = el("select", { id: "people-role", onchange: () => load(true) },
    el("option", { value: "", text: t("people.role.all") }),
    ...["clerk", "expert", "officer", "supervisor", "ops", "admin"].map((r) => el("option", { value: r, text: t(`role.${r}`) })));
  const body = el("tbody");
  const more = el("button.secondary", { type: "button", text: t("audit.more"), hidden: true });
  const report = el("div.import-report", { role: "status", "aria-live": "polite" });
  const picker = el("input", { type: "file", id: "people-file", accept: ".csv,text/csv", hidden: true });
  let next = null;

  const load = async (reset) => {
    if (reset) { body.replaceChildren(); next = null; }
    const p = new URLSearchParams({ limit: "100" });
    if (q.value.trim()) p.set("q", q.value.trim());
    if (role.value) p.set("role", role.value);
    if (next) p.set("after", String(next));
    try {
      const page = await api("GET", `/api/people?${p}`);
      body.append(...page.people.map(row));
      if (!body.children.length) body.append(el("tr", {}, el("td", { colspan: 7, text: t("people.empty") })));
      next = page.next;
      more.hidden = !next;
    } catch (err) { toast(errorText(err)); }
  };

  const act = async (person, path, method = "POST", payload = {}) => {
    try {
      await api(method, `/api/people/${person.id}${path}`, payload);
      toast(t("people.done"));
      load(true);
    } catch (err) { toast(errorText(err)); }
  };

  const row = (p) => {
    const state = p.disabled ? t("people.disabled") : p.locked ? t("people.locked") : t("people.active");
    const buttons = [
      el("button.link", { type: "button", text: t("people.change"), onclick: () => changeDialog(p).then((c) => c && act(p, "", "PATCH", c)) }),
      el("button.link", { type: "button", text: t("people.password"), onclick: () => passwordDialog(p).then((pw) => pw && act(p, "/password", "PUT", { password: pw })) }),
      p.disabled
        ? el("button.link", { type: "button", text: t("people.enable"), onclick: () => act(p, "/enable") })
        : el("button.link.danger-text", { type: "button", text: t("people.disable"), onclick: () => confirm(t("people.disable.confirm", { name: p.display_name })) && act(p, "/disable") }),
      p.locked ? el("button.link", { type: "button", text: t("people.unlock"), onclick: () => act(p, "/unlock") }) : null,
      el("button.link", { type: "button", text: t("people.sign_out"), onclick: () => act(p, "/sign-out") }),
    ];
    return el("tr", { dataset: { username: p.username } },
      el("td", { text: p.display_name }), el("td", { text: p.username }), el("td", { text: t(`role.${p.role}`) }),
      el("td", { text: p.unit_name }), el("td", { text: p.group_name ?? "" }),
      el(`td.state${p.disabled ? ".off" : p.locked ? ".warn" : ""}`, { text: state }),
      el("td.row-actions", {}, ...buttons));
  };

  picker.onchange = async () => {
    const file = picker.files[0];
    picker.value = "";
    if (!file) return;
    report.replaceChildren(t("people.importing"));
    try {
      const { added } = await postCsv("/api/people/import", file);
      const handed = added.filter((a) => a.password);
      report.replaceChildren(el("p.ok", { text: t("people.imported", { n: added.length }) }),
        handed.length ? el("table.passwords", {}, el("caption", { text: t("people.generated") }),
          ...handed.map((a) => el("tr", {}, el("td", { text: a.username }), el("td.secret", { text: a.password })))) : null);
      load(true);
    } catch (err) {
      report.replaceChildren(el("p.error", { text: t("people.refused") }),
        el("ul.problems", {}, ...(err.rows ?? [{ line: 0, reason: "", message: errorText(err) }]).map((p) => el("li", { text: problemText(p) }))));
    }
  };

  const form = el("form.people-filters", { role: "search" },
    el("label", { for: "people-q", text: t("people.q") }), q,
    el("label", { for: "people-role", text: t("people.role") }), role,
    el("button", { type: "submit", text: t("audit.search") }));
  form.addEventListener("submit", (e) => { e.preventDefault(); load(true); });
  more.onclick = () => load(false);
  const template = el("a.button.secondary", { href: URL.createObjectURL(new Blob([TEMPLATE], { type: "text/csv" })), download: "people-template.csv", text: t("people.template") });
  const panel = el("section.people-panel", { "aria-labelledby": "people-title" },
    el("h1", { id: "people-title", text: t("people.title") }),
    el("div.people-tools", {}, form,
      el("button", { type: "button", text: t("people.add"), onclick: () => addDialog().then((added) => added && load(true)) }),
      el("button.secondary", { type: "button", text: t("people.import"), onclick: () => picker.click() }),
      template, picker),
    el("p.hint", { text: t("people.import.hint") }),
    report,
    el("div.audit-scroll", {}, el("table.audit.people", {},
      el("thead", {}, el("tr", {}, ...["name", "username", "role", "unit", "group", "state", "actions"].map((c) => el("th", { text: t(`people.col.${c}`) })))),
      body)),
    more,
    groupsSection());
  load(true);
  return panel;
}

/** The expert groups of the area: what each answers; add one, change one's name or answers. */
function groupsSection() {
  const body = el("tbody");
  const load = async () => {
    try {
      const { groups } = await api("GET", "/api/people/groups");
      const { specialties } = await api("GET", "/api/catalogue");
      const names = new Map(specialties.map((s) => [s.code, named(s)]));
      body.replaceChildren(...groups.map((g) => el("tr", { dataset: { group: g.code } },
        el("td", { text: g.name }), el("td", { text: g.code }), el("td", { text: g.unit_name }),
        el("td", { text: g.specialties.map((s) => names.get(s) ?? s).join("、") }),
        el("td.row-actions", {}, g.own ? el("button.link", { type: "button", text: t("people.change"),
          onclick: () => groupDialog(g, specialties).then((done) => done && load()) }) : null))));
    } catch (err) { toast(errorText(err)); }
  };
  load();
  return el("section.groups", { "aria-labelledby": "groups-title" },
    el("h2", { id: "groups-title", text: t("groups.title") }),
    el("button", { type: "button", text: t("groups.add"), onclick: async () => {
      const { specialties } = await api("GET", "/api/catalogue");
      if (await groupDialog(null, specialties)) load();
    } }),
    el("div.audit-scroll", {}, el("table.audit.people", {},
      el("thead", {}, el("tr", {}, ...["name", "code", "unit", "answers", "actions"].map((c) => el("th", { text: t(`groups.col.${c}`) })))),
      body)));
}

async function groupDialog(group, specialties) {
  const code = el("input", { required: true, value: group?.code ?? "", disabled: Boolean(group), autocomplete: "off" });
  const name = el("input", { required: true, value: group?.name ?? "" });
  const { list, unit, code: unitCode } = await unitAndGroup(group ? { unit_name: group.unit_name, unit: group.unit } : null);
  if (group) unit.disabled = true;
  const boxes = specialties.map((s) => el("label.check", {},
    el("input", { type: "checkbox", value: s.code, checked: group?.specialties.includes(s.code) }), named(s)));
  const picked = () => boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
  return dialog(group ? t("groups.change", { name: group.name }) : t("groups.add"),
    [field("group-code", t("groups.col.code"), code), field("group-name", t("groups.col.name"), name),
      field("group-unit", t("groups.col.unit"), unit), list,
      el("fieldset", {}, el("legend", { text: t("groups.col.answers") }), ...boxes)],
    async () => {
      choices = null; // the people dialogs list groups: read them again
      if (group) await api("PATCH", `/api/people/groups/${group.code}`, { name: name.value.trim(), specialties: picked() });
      else await api("POST", "/api/people/groups", { code: code.value.trim(), name: name.value.trim(), unit: unitCode(), specialties: picked() });
      return true;
    });
}

/** A modal form; resolves to what `collect` makes of it, or null when cancelled. */
function dialog(title, fields, collect, submitText = t("dialog.ok")) {
  return new Promise((resolve) => {
    const error = el("div.error", { role: "alert" });
    const form = el("form.dialog", {}, el("h2", { text: title }), ...fields, error,
      el("div.dialog-buttons", {},
        el("button.secondary", { type: "button", text: t("dialog.cancel"), onclick: () => done(null) }),
        el("button", { type: "submit", text: submitText })));
    const box = el("dialog.transfer", { "aria-label": title }, form);
    const done = (value) => { box.close(); box.remove(); resolve(value); };
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      try { const value = await collect(); if (value !== undefined) done(value); } catch (err) { error.textContent = err.rows ? err.rows.map(problemText).join("；") : errorText(err); }
    });
    box.addEventListener("cancel", (e) => { e.preventDefault(); done(null); });
    document.body.append(box);
    box.showModal();
    form.querySelector("input, select")?.focus();
  });
}

function field(id, label, input) {
  input.id = id;
  return el("div.field", {}, el("label", { for: id, text: label }), input);
}

function roleSelect(value) {
  return el("select", {}, ...ROLES.map((r) => el("option", { value: r, text: t(`role.${r}`), selected: r === value })));
}

async function unitAndGroup(person) {
  const { units, groups } = await options();
  const list = el("datalist", { id: "people-units" }, ...units.map((u) => el("option", { value: `${u.name} ${u.code}` })));
  const unit = el("input", { list: "people-units", autocomplete: "off", value: person ? `${person.unit_name} ${person.unit}` : "" });
  const group = el("select", {}, el("option", { value: "", text: t("people.no_group") }),
    ...groups.map((g) => el("option", { value: g.code, text: `${g.name}（${g.unit_name}）`, selected: person?.group === g.code })));
  const code = () => unit.value.trim().split(/\s+/).pop();
  return { list, unit, group, code };
}

async function changeDialog(person) {
  const role = roleSelect(person.role);
  const { list, unit, group, code } = await unitAndGroup(person);
  return dialog(t("people.change.title", { name: person.display_name }),
    [field("change-role", t("people.col.role"), role), field("change-unit", t("people.col.unit"), unit), list,
      field("change-group", t("people.col.group"), group), el("p.hint", { text: t("people.change.hint") })],
    () => ({ role: role.value, unit: code(), group: role.value === "expert" ? group.value || null : null }));
}

function passwordDialog(person) {
  const input = el("input", { type: "password", autocomplete: "new-password", minlength: 8, required: true });
  return dialog(t("people.password.title", { name: person.display_name }),
    [field("new-password", t("people.password.new"), input), el("p.hint", { text: t("people.password.hint") })],
    () => input.value);
}

async function addDialog() {
  const username = el("input", { required: true, autocomplete: "off" });
  const name = el("input", { required: true });
  const role = roleSelect("clerk");
  const { list, unit, group, code } = await unitAndGroup(null);
  const password = el("input", { type: "password", autocomplete: "new-password" });
  const added = await dialog(t("people.add"),
    [field("add-username", t("people.col.username"), username), field("add-name", t("people.col.name"), name),
      field("add-role", t("people.col.role"), role), field("add-unit", t("people.col.unit"), unit), list,
      field("add-group", t("people.col.group"), group),
      field("add-password", t("people.password.initial"), password)],
    async () => {
      const body = { username: username.value.trim(), name: name.value.trim(), role: role.value, unit: code(),
        group: role.value === "expert" ? group.value : "", password: password.value };
      const { added: [person] } = await api("POST", "/api/people", body);
      return person;
    });
  if (added?.password) alert(t("people.generated.one", { username: added.username, password: added.password }));
  return added;
}
