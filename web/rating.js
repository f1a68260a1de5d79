// The clerk's rating of a finished ticket (好差评): good, neutral or bad, with an optional
// comment; a bad one goes to the supervisors for review. Resolves to the request body or null.

import { el } from "./format.js";
import { t } from "./i18n.js";

export function rateDialog() {
  return new Promise((resolve) => {
    const submit = el("button.primary", { type: "submit", text: t("rate.submit"), disabled: true });
    const choices = ["good", "neutral", "bad"].map((score) => {
      const radio = el("input", { type: "radio", name: "score", value: score, id: `score-${score}`, onchange: () => { submit.disabled = false; } });
      return el("li", {}, radio, el("label", { for: `score-${score}` }, el(`span.score.${score}`, { text: t(`score.${score}`) })));
    });
    const comment = el("textarea", { id: "rate-comment", maxlength: 200, rows: 3, placeholder: t("rate.comment.placeholder") });
    const form = el("form.dialog", { method: "dialog" },
      el("h2", { text: t("rate.title") }),
      el("ul.scores", { role: "radiogroup", "aria-label": t("rate.title") }, ...choices),
      el("label", { for: "rate-comment", text: t("rate.comment") }), comment,
      el("div.dialog-buttons", {},
        el("button.secondary", { type: "button", text: t("dialog.cancel"), onclick: () => done(null) }),
        submit));
    const dialog = el("dialog.rate", { "aria-label": t("rate.title") }, form);
    const done = (value) => { dialog.close(); dialog.remove(); resolve(value); };
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const picked = form.querySelector("input[name=score]:checked");
      if (picked) done({ score: picked.value, comment: comment.value.trim() });
    });
    dialog.addEventListener("cancel", (e) => { e.preventDefault(); done(null); });
    document.body.append(dialog);
    dialog.showModal();
    form.querySelector("input[name=score]").focus();
  });
}
