// The console's entry: sign in, then the view for the person's role, with the connection
// state always visible in the top bar. A browser that was signed in before opens at once with
// what it kept (the person, the catalogue) and checks the session meanwhile, so a slow link
// costs no round trip before the clerk can work. Screens other than the clerk's load their
// modules when first needed.

import { api } from "./api.js";
import { el } from "./format.js";
import { t, lang, setLang, loadLang, applyStatic, errorText } from "./i18n.js";
import { Live } from "./live.js";
import { setCatalogue } from "./tickets.js";
import { clerkView } from "./clerk.js";
import { load, save, clearAll } from "./store.js";
import { Notifier } from "./notify.js";

const main = document.getElementById("main");
const DEMO = ["clerk.dawan", "agent.niuying", "expert.jingyuan", "expert.guyuan", "expert.vendor", "supervisor.jingyuan", "officer.dawan", "ops.datacenter", "admin"];

async function boot() {
  await loadLang();
  setLang(lang());
  const switcher = document.getElementById("lang");
  switcher.textContent = lang() === "zh" ? "English" : "中文";
  switcher.lang = lang() === "zh" ? "en" : "zh-CN";
  switcher.onclick = () => { setLang(lang() === "zh" ? "en" : "zh"); location.reload(); };
  // The offline copy is made once the page is up, so it does not compete with the first load.
  if ("serviceWorker" in navigator) addEventListener("load", () => setTimeout(() => navigator.serviceWorker.register("/sw.js").catch(() => {}), 3000));
  const kept = load("me", null);
  const asked = api("GET", "/api/me");
  // The page carries the catalogue; an older page without it asks.
  const carried = document.getElementById("catalogue")?.textContent;
  catalogueRead = carried ? Promise.resolve(JSON.parse(carried)) : api("GET", "/api/catalogue");
  catalogueRead.catch(() => {});
  if (kept) {
    // Open with the person this browser last saw; the server's answer corrects it.
    start(kept);
    asked.then(({ user }) => {
      save("me", user);
      if (!sameStanding(user, kept)) location.reload();
    }, (err) => {
      if (err.code === "network") return; // offline: queued messages wait for the link
      save("me", null);
      location.reload();
    });
    return;
  }
  let user;
  try {
    ({ user } = await asked);
  } catch (err) {
    return showLogin(err.code === "session_expired" ? errorText(err) : "");
  }
  save("me", user);
  await start(user);
}

function sameStanding(a, b) {
  return a.id === b.id && a.role === b.role && a.unit_id === b.unit_id && a.group_name === b.group_name;
}

function showLogin(message) {
  const username = el("input", { id: "username", name: "username", autocomplete: "username", required: true, autofocus: true });
  const password = el("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const error = el("div.error", { role: "alert", text: message });
  const submit = el("button", { type: "submit", text: t("login.submit") });
  const form = el("form.login", {},
    el("h1", { text: t("login.title") }), el("p.sub", { text: t("login.sub") }),
    el("label", { for: "username", text: t("login.username") }), username,
    el("label", { for: "password", text: t("login.password") }), password,
    submit, error,
    document.body.dataset.demo === "true" ? el("details", {}, el("summary", { text: t("login.demo") }),
      el("ul", {}, ...DEMO.map((u) => el("li", {}, el("button.link", { type: "button", text: u, onclick: () => { username.value = u; password.value = "backstop"; password.focus(); } }))))) : null);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    submit.disabled = true;
    submit.textContent = t("login.busy");
    error.textContent = "";
    try {
      const { user } = await api("POST", "/api/session", { username: username.value.trim(), password: password.value });
      save("me", user);
      await start(user);
    } catch (err) {
      error.textContent = errorText(err);
      submit.disabled = false;
      submit.textContent = t("login.submit");
    }
  });
  main.replaceChildren(form);
  username.focus();
}

let catalogueRead = null;

async function start(me) {
  let catalogue = load("catalogue", null);
  const fresh = (catalogueRead ?? api("GET", "/api/catalogue")).then((c) => { save("catalogue", c); return c; });
  if (!catalogue) catalogue = await fresh;
  else fresh.catch(() => {});
  setCatalogue(catalogue);
  document.getElementById("who").textContent = `${me.display_name} · ${me.unit_name}`;
  const logout = document.getElementById("logout");
  logout.hidden = false;
  const live = new Live(me.id);
  logout.onclick = async () => {
    live.close();
    await api("DELETE", "/api/session").catch(() => {});
    clearAll();
    location.reload();
  };
  showConnection(live);
  live.on("auth-lost", () => { save("me", null); location.reload(); });
  const notifier = new Notifier(me);
  if (me.role === "clerk") {
    clerkView({ me, live, catalogue, main, notifier });
  } else {
    if (me.role === "expert") presenceControl(live);
    notifier.mount(document.getElementById("sound"));
    const { staffView } = await import("./staff.js");
    staffView({ me, live, main, catalogue, notifier });
  }
  // Incident notices reach security officers and those above them; never a clerk.
  if (me.role !== "clerk") import("./alarms.js").then((m) => m.incidentNotices({ live, notifier, me }));
  panelSwitches(main, me, live);
  live.connect();
  applyStatic();
  // Keyboard and screen-reader users start at the top of their screen, not on the page body.
  const first = main.querySelector("h1, h2, [role=tab]");
  if (first) {
    if (!first.matches("button")) first.tabIndex = -1;
    first.focus({ preventScroll: true });
  }
}

/** Side screens in the top bar — the knowledge base for everyone; for staff the board, the
 * responsibility matrix, the ops view, people administration and the audit trail, each shown
 * only when the server lets this person use it — a second click goes back to the work view.
 * Screens load when first opened. */
async function panelSwitches(main, me, live) {
  const everyone = async () => true;
  const panels = [
    { id: "knowledge-toggle", label: "knowledge.open", allowed: everyone, make: async () => (await import("./knowledge.js")).knowledgePanel() },
  ];
  if (me.role !== "clerk") {
    const [people, audit, board, matrix, ops] = await Promise.all([import("./people.js"), import("./audit.js"), import("./board.js"), import("./matrix.js"), import("./ops.js")]);
    panels.unshift({ id: "board-toggle", label: "board.open", allowed: board.mayOversee, make: async () => board.boardPanel(live) },
      { id: "matrix-toggle", label: "matrix.open", allowed: matrix.mayHoldDuty, make: async () => matrix.matrixPanel(live, me) },
      { id: "ops-toggle", label: "ops.open", allowed: ops.mayWatch, make: async () => ops.opsPanel(live, me), show: ops.showIncident });
    panels.push(
      { id: "people-toggle", label: "people.open", allowed: people.mayAdminister, make: people.peoplePanel },
      { id: "audit-toggle", label: "audit.open", allowed: audit.mayReadAudit, make: audit.auditPanel });
  }
  let work = null;
  let current = null;
  const label = () => { for (const p of panels) document.getElementById(p.id).textContent = t(current === p ? "audit.back" : p.label); };
  // A screen asks for a ticket (the board's flagged ones): back to the work view, opened there.
  main.addEventListener("open-ticket", (e) => {
    if (current) {
      main.replaceChildren(work);
      work = null;
      current = null;
      label();
    }
    document.dispatchEvent(new CustomEvent("workspace-open", { detail: e.detail }));
  });
  // A notice asks for an incident: the ops view, with it open there.
  const usable = new Set();
  document.addEventListener("open-incident", async (e) => {
    const ops = panels.find((p) => p.id === "ops-toggle");
    if (!ops || !usable.has(ops)) return;
    if (current !== ops) await document.getElementById(ops.id).onclick();
    ops.show(e.detail.id);
  });
  for (const panel of panels) {
    if (!(await panel.allowed())) continue;
    usable.add(panel);
    const button = document.getElementById(panel.id);
    button.hidden = false;
    button.onclick = async () => {
      if (current === panel) {
        main.replaceChildren(work);
        work = null;
        current = null;
      } else {
        work ??= main.firstElementChild;
        const shown = await panel.make();
        main.replaceChildren(shown);
        current = panel;
        shown.querySelector("h1")?.focus();
      }
      label();
    };
    // Supervisors start on their board: what is not handled, late, dragging or stuck.
    if (panel.id === "board-toggle" && me.role === "supervisor") await button.onclick();
    // Security officers start on the responsibility matrix: gaps, today's checks.
    if (panel.id === "matrix-toggle" && me.role === "officer") await button.onclick();
    // Ops staff start on the ops view: systems down, incidents open.
    if (panel.id === "ops-toggle" && me.role === "ops") await button.onclick();
  }
  label();
}

function showConnection(live) {
  const badge = document.getElementById("conn");
  badge.hidden = false;
  const draw = ({ state, queued }) => {
    badge.className = `conn ${state}`;
    badge.dataset.state = state;
    badge.textContent = t(`conn.${state}`) + (queued ? ` · ${t("conn.queued", { n: queued })}` : "");
    badge.dataset.queued = queued;
  };
  draw({ state: navigator.onLine ? "connecting" : "offline", queued: live.outbox.size });
  live.on("state", draw);
}

function presenceControl(live) {
  const box = document.getElementById("presence-box");
  const select = document.getElementById("presence");
  box.hidden = false;
  select.onchange = () => {
    live.presence(select.value);
    if (select.value === "on_duty") live.subscribeQueue();
  };
  live.on("hello", () => { if (select.value !== "on_duty") live.presence(select.value); });
}

boot();
