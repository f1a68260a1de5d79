// The clerk's view: raise a request on the left — with answers offered while the title is
// typed — follow my requests below it, and chat with the expert on the right.

import { el, toast, ACCEPT_ATTR } from "./format.js";
import { t, errorText } from "./i18n.js";
import { api } from "./api.js";
import { renderList, upsert, named } from "./tickets.js";
import { Workspace } from "./workspace.js";
import { load, save } from "./store.js";
import { suggestions } from "./suggest.js";

export function clerkView({ me, live, catalogue, main, notifier }) {
  const tickets = new Map();
  const workspace = new Workspace({ me, live, notifier });
  const list = el("ul.tickets", { "aria-label": t("clerk.mine") });
  const count = el("span.count.zero", { text: "0" });
  const form = requestForm(catalogue, (solved) => closeForm(solved), async (body, file, button) => {
    button.disabled = true;
    button.textContent = t("form.busy");
    try {
      // The screenshot goes up first, so a failed upload leaves no request without it.
      const hash = file ? (await (await import("./attach.js")).upload(file)).hash : null;
      const { ticket } = await api("POST", "/api/tickets", body);
      upsert(tickets, ticket);
      redraw();
      workspace.open(ticket);
      if (hash) workspace.panes.get(ticket.id)?.queue("", hash, false);
      form.reset();
      toast(t("form.submitted"));
    } catch (err) {
      toast(errorText(err));
    } finally {
      button.disabled = false;
      button.textContent = t("form.submit");
    }
  });
  const listKey = `tickets.${me.id}`;
  const kept = load(listKey, null);
  // The list kept from last time is shown at once; the server's answer updates it.
  if (kept) list.dataset.loaded = "true";
  for (const tk of kept ?? []) upsert(tickets, tk);
  const redraw = () => {
    const sorted = [...tickets.values()].sort((a, b) => b.created_at - a.created_at);
    save(listKey, sorted.slice(0, 100));
    const open = sorted.filter((x) => x.state !== "closed" && x.state !== "resolved").length;
    count.textContent = open;
    count.classList.toggle("zero", open === 0);
    renderList(list, sorted, { activeId: workspace.active, open: (tk) => workspace.open(tk), empty: t("mine.empty") });
  };
  workspace.onActive = redraw;
  live.on("ticket", (f) => { if (upsert(tickets, f.ticket)) redraw(); });
  // My requests: read at once, and again after every reconnect for what changed meanwhile.
  const refresh = async () => {
    try {
      const { tickets: all } = await api("GET", "/api/tickets?all=true");
      for (const tk of all) upsert(tickets, tk);
      list.dataset.loaded = "true";
      redraw();
    } catch (err) { if (err.code !== "network") toast(errorText(err)); }
  };
  refresh();
  let hellos = 0;
  live.on("hello", () => { if (hellos++) refresh(); });
  live.subscribeQueue();
  // The form closes when an offered answer solved the problem or the clerk cancels; a button
  // opens it again.
  const reopen = el("button.secondary.raise-open", { type: "button", text: t("clerk.new.open"), hidden: true, onclick: () => {
    form.hidden = false;
    reopen.hidden = true;
    form.querySelector("#title").focus();
  } });
  const closeForm = (solved) => {
    form.reset();
    form.hidden = true;
    reopen.hidden = false;
    reopen.focus();
    if (solved) toast(t("suggest.thanks"));
  };
  const side = el("aside.side", {},
    el("h2", { text: t("clerk.new") }), form, reopen,
    el("h2", {}, t("clerk.mine"), count), list);
  main.replaceChildren(workspace.layout(side));
  redraw();
  workspace.restore();
  setInterval(redraw, 60000);
}

/** The request form; `close(solved)` when the clerk gives up (`solved`: an offered answer did it). */
function requestForm(catalogue, close, submit) {
  const families = new Map(catalogue.specialties.map((s) => [s.code, named(s)]));
  const item = el("select", { name: "item_code", id: "item", required: true },
    ...["employment", "social_insurance", "labour", "sscard"].map((f) =>
      el("optgroup", { label: families.get(f) }, ...catalogue.items.filter((i) => i.family === f)
        .map((i) => el("option", { value: i.code, text: named(i) })))));
  const kind = el("select", { name: "kind", id: "kind" },
    ...["business", "it_fault", "policy", "approval"].map((k) => el("option", { value: k, text: t(`kind.${k}`) })));
  const difficulty = el("select", { name: "difficulty", id: "difficulty" },
    ...["small", "big", "hard"].map((d) => el("option", { value: d, text: t(`tier.${d}`) })));
  const title = el("input", { name: "title", id: "title", required: true, maxlength: 100, placeholder: t("form.title.placeholder") });
  const body = el("textarea", { name: "body", id: "body", rows: 3, maxlength: 4000, placeholder: t("form.body.placeholder") });
  const file = el("input", { name: "file", id: "file", type: "file", accept: ACCEPT_ATTR });
  const button = el("button", { type: "submit", text: t("form.submit") });
  const help = suggestions({ title, item, onSolved: () => close(true) });
  // Giving up after reading an offered answer counts as solved by it.
  const quit = el("button.secondary", { type: "button", text: t("form.cancel"), onclick: async () => { await help.report(); close(false); } });
  const form = el("form", { id: "raise" },
    el("label", { for: "item", text: t("form.item") }), item,
    el("div.row", {},
      el("div", {}, el("label", { for: "kind", text: t("form.kind") }), kind),
      el("div", {}, el("label", { for: "difficulty", text: t("form.difficulty") }), difficulty)),
    el("div.hint", { text: t("tier.hint") }),
    el("label", { for: "title", text: t("form.title") }), title, help.root,
    el("label", { for: "body", text: t("form.body") }), body,
    el("label", { for: "file", text: t("form.file") }), file,
    el("div.form-buttons", {}, quit, button));
  // Whatever empties the form (a request sent, a cancel) empties the suggestions too.
  form.addEventListener("reset", () => help.reset());
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submit({ item_code: item.value, kind: kind.value, difficulty: difficulty.value, title: title.value, body: body.value }, file.files[0], button);
  });
  return form;
}
