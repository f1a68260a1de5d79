// Adding or changing a monitored system (添加监测 / 编辑): a dialog with its kind, name, key,
// unit and target, what an HTTP check expects or a DNS answer should hold, and how often and how
// patiently it is checked. The server judges every value; a refusal names its field, so the
// dialog puts the reason in plain words under that input and focuses it.

import { el } from "./format.js";
import { t, errorText } from "./i18n.js";

const KINDS = ["http", "tcp", "dns"];
// Fields the server may name that stand for another input, or for two at once.
const SHOWN_AT = { recoveries: "failures", cert_warn_days: "max_latency_ms" };

/** Opens the dialog; `monitor` prefills it (its key fixed), `units` ({code, name}) feed the
 * unit list, `save(body)` sends it. Resolves to the body saved, or null when cancelled. */
export function monitorDialog({ monitor = null, units = [], save }) {
  return new Promise((resolve) => {
    const editing = Boolean(monitor);
    const inputs = {};
    const errors = {};
    const field = (name, input, { hint = "", wide = false } = {}) => {
      input.id = `mon-${name}`;
      input.name = name;
      inputs[name] = input;
      const help = el("p.hint.field-hint", { id: `mon-${name}-hint`, text: hint, hidden: !hint });
      errors[name] = el("p.field-error", { id: `mon-${name}-error`, hidden: true });
      input.setAttribute("aria-describedby", `mon-${name}-hint mon-${name}-error`);
      input.addEventListener("input", () => clear(name));
      return el(`div.field${wide ? ".wide" : ""}`, { dataset: { field: name } },
        el("label", { for: input.id, text: t(`monitor.${name}`) }), input, help, errors[name]);
    };
    const number = (attrs) => el("input", { type: "number", step: 1, inputmode: "numeric", ...attrs });

    const kind = el("select", {}, ...KINDS.map((k) => el("option", { value: k, text: t(`monitor.kind.${k}`) })));
    const key = el("input", { maxlength: 64, autocomplete: "off", spellcheck: "false", placeholder: t("monitor.key.placeholder"), readonly: editing });
    const unit = el("input", { list: "mon-units", autocomplete: "off", placeholder: t("monitor.unit.placeholder") });
    const unitName = el("span.unit-name");
    const list = el("datalist", { id: "mon-units" }, ...units.map((u) => el("option", { value: u.code, label: u.name })));
    const target = el("input", { maxlength: 2000, autocomplete: "off", spellcheck: "false" });
    const absent = el("input", { type: "checkbox", id: "mon-keyword_absent" });
    const http = el("fieldset.mon-group", {}, el("legend", { text: t("monitor.group.http") }),
      field("expect_status", el("input", { placeholder: "200-399" }), { hint: t("monitor.expect_status.hint") }),
      field("keyword", el("input", { maxlength: 200, placeholder: t("monitor.keyword.placeholder") })),
      el("label.check.mon-absent", {}, absent, el("span", { text: t("monitor.keyword_absent") })),
      field("max_latency_ms", number({ min: 0, placeholder: t("monitor.max_latency_ms.placeholder") })),
      field("cert_warn_days", number({ min: 0, max: 365, placeholder: "14" })));
    const dns = el("fieldset.mon-group", {}, el("legend", { text: t("monitor.group.dns") }),
      field("expect_address", el("input", { maxlength: 64, placeholder: t("monitor.expect_address.placeholder") }), { hint: t("monitor.expect_address.hint"), wide: true }));
    const timing = el("fieldset.mon-group.timing", {}, el("legend", { text: t("monitor.group.timing") }),
      field("interval_secs", number({ min: 10, max: 86400, placeholder: "60" })),
      field("timeout_secs", number({ min: 1, max: 120, placeholder: "10" })),
      field("failures", number({ min: 1, max: 20, placeholder: "3" })),
      field("recoveries", number({ min: 1, max: 20, placeholder: "2" })));
    const general = el("p.error.mon-error", { role: "alert" });
    const submit = el("button", { type: "submit", text: t(editing ? "monitor.save" : "monitor.add.submit") });
    const heading = editing ? t("monitor.edit.title", { name: monitor.name }) : t("monitor.add.title");
    const form = el("form.dialog.monitor-form", { novalidate: true },
      el("h2", { id: "mon-title", text: heading }),
      el("div.mon-grid", {},
        field("kind", kind), field("name", el("input", { maxlength: 100, autocomplete: "off", placeholder: t("monitor.name.placeholder") })),
        field("key", key, { hint: t(editing ? "monitor.key.fixed" : "monitor.key.hint") }),
        field("unit", unit, { hint: " " }), field("target", target, { hint: " ", wide: true })),
      http, dns, timing, list, general,
      el("div.dialog-buttons", {},
        el("button.secondary", { type: "button", text: t("dialog.cancel"), onclick: () => done(null) }), submit));
    const box = el("dialog.transfer.monitor-dialog", { "aria-labelledby": "mon-title" }, form);
    unit.parentElement.querySelector(".field-hint").replaceChildren(unitName);

    const known = (v) => units.find((u) => u.code === v.trim() || u.name === v.trim());
    const showUnit = () => {
      const u = known(unit.value);
      unitName.textContent = u ? u.name : t("monitor.unit.hint");
    };
    const showKind = () => {
      const k = kind.value;
      http.hidden = k !== "http";
      dns.hidden = k !== "dns";
      target.placeholder = t(`monitor.target.placeholder.${k}`);
      inputs.target.parentElement.querySelector(".field-hint").textContent = t(`monitor.target.hint.${k}`);
    };
    kind.addEventListener("change", showKind);
    unit.addEventListener("input", showUnit);

    // Prefilled from the monitor being changed, or the server's defaults for a new one.
    const m = monitor ?? { kind: "http", expect: { status: "200-399", cert_warn_days: 14 }, interval_secs: 60, timeout_secs: 10, failures: 3, recoveries: 2 };
    const x = m.expect ?? {};
    kind.value = m.kind ?? "http";
    Object.entries({ name: m.name, key: m.key, unit: m.unit?.code, target: m.target, expect_status: x.status, keyword: x.keyword,
      max_latency_ms: x.max_latency_ms || "", cert_warn_days: x.cert_warn_days, expect_address: x.address,
      interval_secs: m.interval_secs, timeout_secs: m.timeout_secs, failures: m.failures, recoveries: m.recoveries })
      .forEach(([name, v]) => { inputs[name].value = v ?? ""; });
    absent.checked = Boolean(x.keyword_absent);
    showKind();
    showUnit();

    function clear(name) {
      errors[name].hidden = true;
      errors[name].textContent = "";
      inputs[name].removeAttribute("aria-invalid");
    }
    const mark = (name, text) => {
      errors[name].textContent = text;
      errors[name].hidden = false;
      inputs[name].setAttribute("aria-invalid", "true");
      inputs[name].focus();
    };

    const body = () => {
      const k = kind.value;
      const whole = (name) => {
        const input = inputs[name];
        if (input.validity.badInput) throw { field: name, text: t("monitor.error.number") };
        return input.value.trim() === "" ? undefined : Number(input.value);
      };
      const typed = known(unit.value);
      const b = { key: key.value.trim(), name: inputs.name.value.trim(), unit: typed ? typed.code : unit.value.trim(), kind: k, target: target.value.trim(),
        interval_secs: whole("interval_secs"), timeout_secs: whole("timeout_secs"), failures: whole("failures"), recoveries: whole("recoveries") };
      if (k === "http") Object.assign(b, { expect_status: inputs.expect_status.value.trim() || undefined, keyword: inputs.keyword.value.trim(),
        keyword_absent: absent.checked, max_latency_ms: whole("max_latency_ms") ?? 0, cert_warn_days: whole("cert_warn_days") });
      if (k === "dns") b.expect_address = inputs.expect_address.value.trim();
      return b;
    };

    /** Where the server's refusal belongs and what it says in plain words. */
    const placeOf = (err, b) => {
      if (err.code === "conflict") return { field: "key", text: t("monitor.error.conflict", { key: b.key }) };
      if (err.code === "bad_json") {
        const named = /target type: (\w+):/.exec(err.message ?? "")?.[1];
        if (named && inputs[named]) return { field: named, text: t("monitor.error.number") };
      }
      if (err.code !== "invalid_input") return null;
      let name = /^(\w+):/.exec(err.message ?? "")?.[1];
      if (!name || !inputs[name]) return null;
      // The server names `keyword` for a DNS expected address too (one length rule for both).
      if (name === "keyword" && b.kind === "dns") name = "expect_address";
      const at = SHOWN_AT[name] ?? name;
      const key = name === "target" ? `monitor.error.target.${b.kind}` : `monitor.error.${name}`;
      return { field: at, text: t(key) };
    };

    const done = (value) => { box.close(); box.remove(); resolve(value); };
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      general.textContent = "";
      for (const name of Object.keys(errors)) clear(name);
      let b;
      try { b = body(); } catch (bad) { mark(bad.field, bad.text); return; }
      submit.disabled = true;
      try {
        await save(b);
        done(b);
      } catch (err) {
        submit.disabled = false;
        const place = placeOf(err, b);
        if (place) mark(place.field, place.text);
        else general.textContent = err.code === "not_found" ? t("monitor.error.gone") : errorText(err);
      }
    });
    box.addEventListener("cancel", (e) => { e.preventDefault(); done(null); });
    document.body.append(box);
    box.showModal();
    (editing ? inputs.name : kind).focus();
  });
}
