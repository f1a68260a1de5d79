// The console's entry: sign in, then the view for the person's role, with the connection
// state always visible in the top bar.

import { api } from "./api.js";
import { el } from "./format.js";
import { t, lang, setLang, applyStatic, errorText } from "./i18n.js";
import { Live } from "./live.js";
import { setCatalogue } from "./tickets.js";
import { clerkView } from "./clerk.js";
import { load, save, clearAll } from "./store.js";
import { staffView } from "./staff.js";
import { auditPanel, mayReadAudit } from "./audit.js";
import { Notifier } from "./notify.js";
import { peoplePanel, mayAdminister } from "./people.js";

const main = document.getElementById("main");
const DEMO = ["clerk.dawan", "agent.niuying", "expert.jingyuan", "expert.guyuan", "expert.vendor", "supervisor.jingyuan", "admin"];

async function boot() {
  setLang(lang());
  document.getElementById("lang").textContent = lang() === "zh" ? "English" : "中文";
  document.getElementById("lang").onclick = () => { setLang(lang() === "zh" ? "en" : "zh"); location.reload(); };
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(() => {});
  let user;
  try {
    ({ user } = await api("GET", "/api/me"));
  } catch (err) {
    // Without a link, open with the last signed-in person: queued messages wait for the link.
    const cached = err.code === "network" ? load("me", null) : null;
    if (!cached) return showLogin(err.code === "session_expired" ? errorText(err) : "");
    user = cached;
  }
  save("me", user);
  await start(user);
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
    el("details", {}, el("summary", { text: t("login.demo") }),
      el("ul", {}, ...DEMO.map((u) => el("li", { text: u, onclick: () => { username.value = u; password.value = "backstop"; password.focus(); } })))));
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

async function start(me) {
  let catalogue = load("catalogue", null);
  try {
    catalogue = await api("GET", "/api/catalogue");
    save("catalogue", catalogue);
  } catch (err) {
    if (!catalogue) throw err;
  }
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
    staffView({ me, live, main, catalogue, notifier });
    panelSwitches(main);
  }
  live.connect();
  applyStatic();
}

/** Side screens in the top bar — people administration, the audit trail — each shown only
 * when the server lets this person use it; a second click goes back to the work view. */
async function panelSwitches(main) {
  const panels = [
    { id: "people-toggle", label: "people.open", allowed: mayAdminister, make: peoplePanel },
    { id: "audit-toggle", label: "audit.open", allowed: mayReadAudit, make: auditPanel },
  ];
  let work = null;
  let current = null;
  const label = () => { for (const p of panels) document.getElementById(p.id).textContent = t(current === p ? "audit.back" : p.label); };
  for (const panel of panels) {
    if (!(await panel.allowed())) continue;
    const button = document.getElementById(panel.id);
    button.hidden = false;
    button.onclick = () => {
      if (current === panel) {
        main.replaceChildren(work);
        work = null;
        current = null;
      } else {
        work ??= main.firstElementChild;
        const shown = panel.make();
        main.replaceChildren(shown);
        current = panel;
        shown.querySelector("h1")?.focus();
      }
      label();
    };
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
