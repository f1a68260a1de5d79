// The transfer dialog: the experts the server says could take the ticket, nearest first, with
// who is on duty now, and the expert groups whose queue it could go back to; pick one, say
// why, confirm. Resolves to the request body or null.

import { el } from "./format.js";
import { t, errorText } from "./i18n.js";
import { api } from "./api.js";

export async function transferDialog(ticket) {
  let candidates, groups;
  try {
    ({ candidates, groups } = await api("GET", `/api/tickets/${ticket.id}/candidates`));
  } catch (err) {
    alert(errorText(err));
    return null;
  }
  return new Promise((resolve) => {
    const reason = el("input", { id: "transfer-reason", maxlength: 200, placeholder: t("transfer.reason.placeholder") });
    const confirm = el("button.primary", { type: "submit", text: t("transfer.confirm"), disabled: true });
    const groupChoices = (groups ?? []).map((g) => {
      const radio = el("input", { type: "radio", name: "to", value: `group:${g.code}`, id: `to-group-${g.code}`, onchange: () => { confirm.disabled = false; } });
      return el("li", {}, radio,
        el("label", { for: `to-group-${g.code}` },
          el("span.name", { text: g.name }),
          el("span.meta", { text: t("transfer.group.meta", { unit: g.unit_name, n: g.experts }) })));
    });
    const choices = candidates.map((c) => {
      const radio = el("input", { type: "radio", name: "to", value: c.id, id: `to-${c.id}`, onchange: () => { confirm.disabled = false; } });
      return el("li", {},
        radio,
        el("label", { for: `to-${c.id}` },
          el("span.name", { text: c.display_name }),
          el(`span.presence.${c.presence}`, { text: t(`presence.${c.presence}`) }),
          el("span.meta", { text: `${c.unit_name} · ${c.group_name}` })));
    });
    const form = el("form.dialog", { method: "dialog" },
      el("h2", { text: t("transfer.title", { id: ticket.id }) }),
      candidates.length
        ? el("ul.candidates", { role: "radiogroup", "aria-label": t("transfer.to") }, ...choices)
        : el("p.hint", { text: t("transfer.none") }),
      groupChoices.length ? el("h3", { text: t("transfer.groups") }) : null,
      groupChoices.length ? el("ul.candidates", { role: "radiogroup", "aria-label": t("transfer.groups") }, ...groupChoices) : null,
      el("label", { for: "transfer-reason", text: t("transfer.reason") }), reason,
      el("div.dialog-buttons", {},
        el("button.secondary", { type: "button", text: t("dialog.cancel"), onclick: () => done(null) }),
        confirm));
    const dialog = el("dialog.transfer", { "aria-label": t("transfer.title", { id: ticket.id }) }, form);
    const done = (value) => { dialog.close(); dialog.remove(); resolve(value); };
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const picked = form.querySelector("input[name=to]:checked");
      if (!picked) return;
      const group = picked.value.startsWith("group:") ? picked.value.slice(6) : null;
      done(group ? { group, reason: reason.value.trim() } : { to: Number(picked.value), reason: reason.value.trim() });
    });
    dialog.addEventListener("cancel", (e) => { e.preventDefault(); done(null); });
    document.body.append(dialog);
    dialog.showModal();
    (form.querySelector("input[name=to]") ?? reason).focus();
  });
}
