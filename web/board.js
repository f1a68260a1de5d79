// The supervisors' board (督办看板): for a unit of their area, one row per unit a level down
// with its open tickets, those not handled, late, dragging or stuck (不办、迟办、拖办、卡壳) and
// the clerks' ratings; a click drills down; the flagged tickets oldest first; the reviews bad
// ratings opened; satisfaction per expert; CSV export. It follows the live ticket changes of
// the area and reads the board again when one arrives.

import { el, clock, duration, toast } from "./format.js";
import { t, errorText } from "./i18n.js";
import { api } from "./api.js";
import { renderList } from "./tickets.js";

const COLUMNS = ["open", "unhandled", "late", "dragging", "stuck", "good", "neutral", "bad"];

/** Whether the server shows this person a board (supervisors and administrators). */
export async function mayOversee() {
  try { await api("GET", "/api/board"); return true; } catch { return false; }
}

export function boardPanel(live) {
  let unit = null;
  const heading = el("h1", { tabindex: -1, text: t("board.title") });
  const trail = el("nav.trail", { "aria-label": t("board.trail") });
  const csv = el("a.button.secondary", { text: t("board.csv") });
  const status = el("p.muted", { role: "status" });
  const body = el("tbody");
  const table = el("table.board", {},
    el("caption", { text: t("tier.hint") }),
    el("thead", {}, el("tr", {}, el("th", { scope: "col", text: t("board.col.unit") }),
      ...COLUMNS.map((c) => el("th", { scope: "col", class: c, text: t(`board.col.${c}`) })))), body);
  const tickets = el("ul.tickets.board-tickets");
  const reviews = el("ul.reviews");
  const experts = el("tbody");
  const root = el("section.board-panel", {},
    el("div.board-head", {}, heading, csv), trail, status,
    el("div.board-scroll", {}, table),
    el("h2", { text: t("board.tickets") }), tickets,
    el("h2", { text: t("board.reviews") }), reviews,
    el("h2", { text: t("board.experts") }),
    el("div.board-scroll", {}, el("table.board", {},
      el("thead", {}, el("tr", {}, el("th", { scope: "col", text: t("board.col.expert") }),
        ...["good", "neutral", "bad", "rate"].map((c) => el("th", { scope: "col", text: t(`board.col.${c}`) })))), experts)));

  const load = async () => {
    const q = unit ? `?unit=${encodeURIComponent(unit)}` : "";
    try {
      const { board } = await api("GET", `/api/board${q}`);
      draw(board);
      status.textContent = "";
    } catch (err) { status.textContent = errorText(err); }
  };
  const go = (code) => { unit = code; load(); };

  const draw = (b) => {
    heading.textContent = t("board.title.unit", { unit: b.unit.name });
    csv.href = `/api/board.csv?unit=${encodeURIComponent(b.unit.code)}`;
    csv.download = `board-${b.unit.code}.csv`;
    trail.hidden = b.trail.length < 2;
    trail.replaceChildren(...b.trail.flatMap((p, i) => [i ? " › " : "",
      i === b.trail.length - 1 ? el("span", { text: p.name, "aria-current": "page" })
        : el("button.link", { type: "button", text: p.name, onclick: () => go(p.code) })]));
    const cell = (line, c) => el("td", { class: `${c}${line[c] && c !== "open" && c !== "good" && c !== "neutral" ? " hot" : ""}`, text: String(line[c]) });
    body.replaceChildren(
      ...b.lines.filter((l) => l.below || COLUMNS.some((c) => l[c])).map((l) => el("tr", { dataset: { unit: l.code } },
        el("th", { scope: "row" }, l.below
          ? el("button.link", { type: "button", text: l.name, onclick: () => go(l.code) })
          : el("span", { text: t("board.own", { unit: l.name }) })),
        ...COLUMNS.map((c) => cell(l, c)))),
      el("tr.totals", {}, el("th", { scope: "row", text: t("board.total") }), ...COLUMNS.map((c) => cell(b.totals, c))));
    // Opening one goes back to the work view with its conversation open.
    const open = (ticket) => root.dispatchEvent(new CustomEvent("open-ticket", { detail: ticket, bubbles: true }));
    renderList(tickets, b.tickets, { activeId: null, open, empty: t("board.tickets.empty") });
    reviews.replaceChildren(...(b.reviews.length ? b.reviews.map(review) : [el("li.empty", { text: t("board.reviews.empty") })]));
    experts.replaceChildren(...b.experts.map((x) => {
      const all = x.good + x.neutral + x.bad;
      return el("tr", {}, el("th", { scope: "row", text: `${x.name} · ${x.unit}` }),
        ...["good", "neutral", "bad"].map((c) => el("td", { class: c, text: String(x[c]) })),
        el("td", { text: all ? `${Math.round((100 * x.good) / all)}%` : "—" }));
    }));
  };

  const review = (r) => {
    const close = el("button.secondary", {
      type: "button", text: t("board.review.close"),
      onclick: async () => {
        const outcome = prompt(t("board.review.outcome"));
        if (outcome === null) return;
        try {
          await api("POST", `/api/reviews/${r.id}/close`, { outcome });
          toast(t("board.review.closed"));
          load();
        } catch (err) { toast(errorText(err)); }
      },
    });
    return el("li.review", { dataset: { ticket: r.ticket_id } },
      el("div.title", { text: `#${r.ticket_id} ${r.title}` }),
      el("div.meta", { text: t("board.review.meta", { clerk: r.clerk, expert: r.expert ?? "—", at: clock(r.opened_at), d: duration(Date.now() - r.opened_at) }) }),
      r.comment ? el("blockquote", { text: r.comment }) : null,
      close);
  };

  // A ticket of the area whose state, flags or rating changed changes the board: read it again,
  // at most every two seconds (a region's board sums a whole region's tickets).
  let pending = null;
  shown = () => {
    if (pending || !root.isConnected) return;
    pending = setTimeout(() => { pending = null; load(); }, 2000);
  };
  if (!following) {
    following = true;
    const seen = new Map();
    live.on("ticket", ({ ticket: tk }) => {
      const mark = `${tk.state} ${tk.rating} ${(tk.service?.flags ?? []).map((f) => f.flag).join(",")}`;
      if (seen.get(tk.id) === mark) return;
      seen.set(tk.id, mark);
      shown();
    });
    live.on("ticket_removed", () => shown());
  }
  load();
  return root;
}

/** The board on screen now, told of live changes; the live handlers are added once. */
let shown = () => {};
let following = false;
