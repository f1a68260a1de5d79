// Incident notices (告警通知) for the person told — its unit's officer on duty, or the one at the
// level it climbed to — wherever they are in the console: a banner at the top that stays until
// it is acknowledged or dismissed, a short alarm sound and a desktop notification. Incidents
// told before this page opened and not yet acknowledged show as banners too (without sound).

import { el, toast } from "./format.js";
import { t, errorText } from "./i18n.js";
import { api } from "./api.js";
import { readIncidents, unitText, reachedText, acknowledge } from "./incidents.js";

const DISMISSED = "backstop.dismissed-incidents";
const dismissed = () => new Set(JSON.parse(sessionStorage.getItem(DISMISSED) ?? "[]"));

export function incidentNotices({ live, notifier }) {
  const box = document.getElementById("notices");
  const banners = new Map(); // incident id → its banner

  const remove = (id) => { banners.get(id)?.remove(); banners.delete(id); };
  const dismiss = (id) => {
    const ids = dismissed();
    ids.add(id);
    sessionStorage.setItem(DISMISSED, JSON.stringify([...ids]));
    const next = banners.get(id)?.nextElementSibling ?? banners.get(id)?.previousElementSibling;
    remove(id);
    next?.querySelector("button")?.focus();
  };

  const show = (inc) => {
    const error = el("span.error", { role: "status" });
    const ack = inc.actions?.includes("acknowledge") ? el("button.ack", { type: "button", text: t("incident.acknowledge"), onclick: async (e) => {
      const button = e.currentTarget;
      button.disabled = true;
      try {
        await acknowledge(inc);
        toast(t("incident.acknowledged.toast", { title: inc.title }));
        remove(inc.id);
      } catch (err) {
        // Acknowledged by someone else meanwhile: nothing left to do here.
        if (err.code === "invalid_state") { toast(t("incident.error.state")); remove(inc.id); } else { error.textContent = errorText(err); button.disabled = false; }
      }
    } }) : null;
    const view = el("button.secondary", { type: "button", text: t("incident.view"), onclick: () => document.dispatchEvent(new CustomEvent("open-incident", { detail: { id: inc.id } })) });
    const allow = "Notification" in window && Notification.permission === "default"
      ? el("button.link", { type: "button", text: t("incident.notify.allow"), onclick: (e) => { notifier.askDesktop(); e.currentTarget.remove(); } }) : null;
    const banner = el("div.incident-notice", { role: "alert", dataset: { id: String(inc.id) } },
      el("div.notice-text", {}, el("strong", { text: t("incident.notice", { title: inc.title }) }),
        el("span", { text: ` ${unitText(inc.unit)} · ${reachedText(inc)}` })),
      el("div.notice-buttons", {}, ack, view, allow,
        el("button.link.dismiss", { type: "button", "aria-label": t("incident.dismiss.named", { title: inc.title }), text: t("incident.dismiss"), onclick: () => dismiss(inc.id) })),
      error);
    const old = banners.get(inc.id);
    if (old) old.replaceWith(banner); else box.prepend(banner);
    banners.set(inc.id, banner);
  };

  // The notice carries the incident; its actions for this person come with a read of it.
  live.on("incident_notice", async (f) => {
    let inc = f.incident;
    try { inc = (await api("GET", `/api/incidents/${inc.id}`)).incident; } catch { /* the frame's copy will do */ }
    if (inc.status === "resolved") return;
    show(inc);
    notifier.alarm(t("incident.notice", { title: inc.title }), `${unitText(inc.unit)} · ${reachedText(inc)}`, `incident-${inc.id}`,
      () => document.dispatchEvent(new CustomEvent("open-incident", { detail: { id: inc.id } })));
  });
  // Acknowledged or resolved elsewhere: the banner has done its work.
  live.on("incident", (f) => { if (f.status !== "open" && banners.has(f.id)) remove(f.id); });

  readIncidents().then((list) => {
    const gone = dismissed();
    for (const inc of list) if (inc.mine && inc.status === "open" && !gone.has(inc.id) && !banners.has(inc.id)) show(inc);
    // Those who see incidents hear of their changes, so a banner leaves when someone acknowledges.
    live.subscribeOps();
  }, () => { /* not someone who sees incidents */ });
}
