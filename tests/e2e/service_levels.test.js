// The supervisors' board (督办看板) turns a ticket overdue live as the server's clock passes its
// deadline (moved through the test-only clock of a debug build), and the rating flow: the clerk
// rates the finished help 差评 with a comment, and the review appears on the board. At
// office-PC and phone size.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, startBrowser, signIn, shots, advanceClock, call, assertFits } from "./harness.js";

let server, browser;
before(async () => {
  // Sessions outlast the day the clock is moved by.
  server = await startServer({ env: { BACKSTOP_TEST_CLOCK: "1", BACKSTOP_SESSION_HOURS: "72" } });
  browser = await startBrowser();
});
after(async () => { await browser?.close(); server?.stop(); });

const DAY = 24 * 3600 * 1000;

test("the board shows a ticket turn overdue live, and a bad rating opens a review", async () => {
  const clerk = await signIn(browser, server.url, "clerk.dawan");
  const expert = await signIn(browser, server.url, "expert.jingyuan");
  const raised = await call(clerk, "POST", "/api/tickets", { item_code: "C04", difficulty: "big", title: "社保卡挂失后补卡进度查询" });
  assert.equal(raised.status, 201);
  const id = raised.body.ticket.id;
  assert.equal((await call(expert, "POST", `/api/tickets/${id}/claim`, {})).status, 200);

  // The county supervisor starts on the board.
  const supervisor = await signIn(browser, server.url, "supervisor.jingyuan");
  await supervisor.locator(".board-panel h1", { hasText: "督办看板 · 泾源县" }).waitFor();
  const dawan = supervisor.locator("table.board tr", { hasText: "大湾乡" });
  await dawan.locator("td.open", { hasText: "1" }).waitFor();
  assert.equal(await dawan.locator("td.late").textContent(), "0");
  await supervisor.locator(".board-tickets li.empty").waitFor();

  // A day and a minute later the big matter is overdue: the board says so without a reload.
  await advanceClock(server, DAY + 2 * 60 * 1000);
  await dawan.locator("td.late.hot", { hasText: "1" }).waitFor({ timeout: 15000 });
  const row = supervisor.locator(`.board-tickets li[data-ticket="${id}"]`);
  await row.locator(".flag.late", { hasText: "迟办" }).waitFor();
  await supervisor.screenshot({ path: join(shots, "50-supervisor-board.png") });
  // A flagged ticket opens in the supervisor's work view; the board is one click back.
  await row.click();
  await supervisor.locator("section.chat h2", { hasText: "补卡进度查询" }).waitFor();
  await supervisor.click("#board-toggle");
  await supervisor.locator(".board-panel").waitFor();
  // The expert's conversation says overdue, and its log says why.
  await expert.click("#tab-mine");
  await expert.locator(`#queue li[data-ticket="${id}"]`).click();
  await expert.locator(".chat .due.over", { hasText: "已超时" }).waitFor();
  await expert.locator(".chat .event.flagged", { hasText: "迟办" }).first().waitFor();
  await expert.locator(".chat .event.escalated").first().waitFor();

  // Resolved, then rated 差评 by the clerk.
  await expert.locator(".chat [data-action=resolve]").click().catch(() => {});
  expert.on("dialog", (d) => d.accept());
  if ((await call(expert, "GET", `/api/tickets/${id}`)).body.ticket.state !== "resolved") {
    assert.equal((await call(expert, "POST", `/api/tickets/${id}/resolve`, {})).status, 200);
  }
  await clerk.locator(`ul.tickets li[data-ticket="${id}"]`).click();
  const rate = clerk.locator(".chat [data-action=rate]");
  await rate.click();
  await clerk.locator("dialog.rate label[for=score-bad]").click();
  await clerk.fill("#rate-comment", "补卡进度一直查不到，群众跑了三趟");
  await clerk.screenshot({ path: join(shots, "51-clerk-rating.png") });
  await clerk.locator("dialog.rate button[type=submit]").click();
  await clerk.locator(".chat .event.rated", { hasText: "差评" }).waitFor();
  assert.equal(await rate.count(), 0, "rated once");

  const review = supervisor.locator(`ul.reviews li[data-ticket="${id}"]`);
  await review.locator("blockquote", { hasText: "群众跑了三趟" }).waitFor({ timeout: 15000 });
  await supervisor.locator("table.board tr.totals td.bad", { hasText: "1" }).waitFor();
  await supervisor.screenshot({ path: join(shots, "52-supervisor-review.png"), fullPage: true });
  supervisor.on("dialog", (d) => d.accept("已约谈专家，重新答复"));
  await review.locator("button", { hasText: "复核完毕" }).click();
  await supervisor.locator("ul.reviews li.empty").waitFor();

  // Drill-down to the township, and the board on a phone.
  await dawan.locator("th button").click();
  await supervisor.locator(".board-panel h1", { hasText: "大湾乡" }).waitFor();
  await supervisor.setViewportSize({ width: 390, height: 844 });
  await assertFits(supervisor, "board on a phone");
  await supervisor.screenshot({ path: join(shots, "53-supervisor-board-phone.png") });
  await supervisor.locator(".trail button", { hasText: "泾源县" }).click();
  await supervisor.locator(".board-panel h1", { hasText: "泾源县" }).waitFor();
});
