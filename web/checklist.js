// A unit's daily check (日常巡检) as a dialog: one 正常/异常 per item of its checklist, a note
// where something is wrong, and a remark; or, once done, what was found, by whom and when.

import { api } from "./api.js";
import { el, toast } from "./format.js";
import { t, errorText } from "./i18n.js";

// Times shown in the region's one local time (`zone`), whatever the browser's.
const clockIn = (zone) => (ms) => new Intl.DateTimeFormat("zh-CN", { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(ms);

/** Today's checklist of a unit: one 正常/异常 per item, a note where something is wrong, and
 * a remark; or, once done, what was found. `saved` gets the server's record. */
export async function checklist(row, zone, saved) {
  const at = clockIn(zone);
  let check;
  try { ({ check } = await api("GET", `/api/duty/checks/${encodeURIComponent(row.code)}`)); } catch (err) { return toast(errorText(err)); }
  const done = check.done;
  const title = t("matrix.check.title", { unit: check.unit?.name ?? row.name, day: check.day });
  const items = check.items.map((item, i) => {
    const was = done?.results?.find((x) => x.item === item);
    const id = `check-item-${i}`;
    const radio = (ok) => el("input", { type: "radio", name: id, id: `${id}-${ok ? "ok" : "bad"}`, value: ok ? "ok" : "bad",
      checked: was ? was.ok === ok : ok, disabled: Boolean(done), onchange: () => { note.hidden = ok; if (!ok) note.focus(); } });
    const good = radio(true), bad = radio(false);
    const note = el("input.item-note", { id: `${id}-note`, maxlength: 200, value: was?.note ?? "", disabled: Boolean(done),
      placeholder: t("matrix.check.item_note"), "aria-label": `${item} · ${t("matrix.check.item_note")}`, hidden: !(was && (!was.ok || was.note)) });
    return { item, good, note, node: el("fieldset.check-item", { dataset: { item } }, el("legend", { text: item }),
      el("div.ok-bad", {}, el("label.check.ok", {}, good, t("matrix.check.ok")), el("label.check.bad", {}, bad, t("matrix.check.bad"))), note) };
  });
  const remark = el("textarea", { id: "check-note", rows: 2, maxlength: 500, disabled: Boolean(done), placeholder: t("matrix.check.note.placeholder") });
  remark.value = done?.note ?? "";
  const error = el("div.error", { role: "alert" });
  const submit = done ? null : el("button", { type: "submit", text: t("matrix.check.submit") });
  const form = el("form.checklist", {}, el("h2", { text: title }),
    done ? el("p.check-done", { text: t("matrix.check.done_by", { by: done.by, at: at(done.at), late: done.late ? t("matrix.check.done_late") : "" }) }) : null,
    ...items.map((x) => x.node),
    el("label", { for: "check-note", text: t("matrix.check.note") }), remark, error,
    el("div.dialog-buttons", {}, el("button.secondary", { type: "button", text: t(done ? "dialog.close" : "dialog.cancel"), onclick: () => close() }), submit));
  const box = el("dialog.transfer.checklist-dialog", { "aria-label": title }, form);
  const close = () => { box.close(); box.remove(); };
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    submit.disabled = true;
    submit.textContent = t("matrix.check.busy");
    error.textContent = "";
    try {
      const results = items.map((x) => ({ item: x.item, ok: x.good.checked, note: x.note.hidden ? "" : x.note.value.trim() }));
      const { check: record } = await api("POST", `/api/duty/checks/${encodeURIComponent(row.code)}`, { results, note: remark.value.trim() });
      close();
      toast(t("matrix.check.saved", { unit: row.name }));
      saved(record);
    } catch (err) {
      // Someone else finished it meanwhile: say so in plain words; the row comes back live.
      error.textContent = err.code === "conflict" ? t("matrix.check.conflict") : errorText(err);
      submit.disabled = false;
      submit.textContent = t("matrix.check.submit");
    }
  });
  box.addEventListener("cancel", (e) => { e.preventDefault(); close(); });
  document.body.append(box);
  box.showModal();
  form.querySelector("input:not([disabled]), button")?.focus();
}
