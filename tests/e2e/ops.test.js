// The ops view (运维监控) and incidents with the demo data: the data centre's ops person starts
// on it; as the server's clock moves, 社区E通（泾源县）, which answers 503, goes 故障 and its
// incident opens and is told to 泾源县's officer on duty, while the other 107 systems read 正常
// with their availability. That officer, on the matrix, gets the notice banner, acknowledges it
// there, and the 告警 column turns amber; the ops page shows 已确认 live. At office-PC and phone
// size; axe finds nothing serious.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, startBrowser, signIn, shots, advanceClock, assertFits, violations } from "./harness.js";

let server, browser;
before(async () => {
  server = await startServer({ env: { BACKSTOP_TEST_CLOCK: "1", BACKSTOP_SESSION_HOURS: "72" } });
  browser = await startBrowser();
});
after(async () => { await browser?.close(); server?.stop(); });

const FAILING = "sqet-640424";

/** Moves the server's clock 30 s at a time (each move makes the next checks due) until `shown`
 * appears on the page; at most `moves` times. */
async function moveUntil(page, shown, moves = 6) {
  for (let i = 0; ; i++) {
    try {
      await shown.waitFor({ timeout: 4000 });
      return;
    } catch (err) {
      if (i >= moves) throw err;
      await advanceClock(server, 30 * 1000);
    }
  }
}

let officer;

test("ops staff land on the ops view; the failing system goes down and its incident opens", async () => {
  // 泾源县's officer on duty is at work before anything fails: on the matrix, as officers start.
  officer = await signIn(browser, server.url, "officer.jingyuan");
  await officer.locator(".matrix-panel table.matrix tr[data-code='640424']").waitFor();
  assert.equal(await officer.locator(".incident-notice").count(), 0, "no notice yet");

  const ops = await signIn(browser, server.url, "ops.datacenter");
  await ops.locator(".ops-panel h1", { hasText: "运维监控" }).waitFor();
  await ops.waitForFunction(() => document.querySelectorAll("table.monitors tr.monitor").length === 108);

  const failing = ops.locator(`table.monitors tr.monitor[data-key="${FAILING}"]`);
  await moveUntil(ops, failing.locator(".up-state", { hasText: "故障" }));
  assert.match(await failing.locator(".sys-name").textContent(), /社区E通（泾源县）/);
  assert.match(await failing.locator(".last-check").textContent(), /503/);
  // Down systems come first.
  assert.equal(await ops.locator("table.monitors tr.monitor").first().getAttribute("data-key"), FAILING);

  // Its incident: where it is, how far it climbed, who was told, with the buttons allowed.
  const incident = ops.locator(".ops-incidents li.incident", { hasText: "社区E通（泾源县）" });
  await moveUntil(ops, incident);
  assert.match(await incident.locator(".inc-unit").textContent(), /泾源县（县区）/);
  assert.match(await incident.locator(".reached").textContent(), /未上报/);
  assert.match(await incident.locator(".told").textContent(), /何平/);
  assert.equal(await incident.locator(".inc-state").textContent(), "未确认");
  await incident.getByRole("button", { name: "确认" }).waitFor();
  await incident.getByRole("button", { name: "处置" }).waitFor();
  await incident.getByRole("button", { name: "时间线" }).click();
  await incident.locator("ol.inc-timeline li", { hasText: "已通知" }).waitFor();

  // Every other system reads 正常 once checked, each with its availability.
  await moveUntil(ops, ops.locator("ul.ops-counts li[data-count=up] b", { hasText: "107" }));
  const up = ops.locator("table.monitors tr.monitor[data-status=up]");
  assert.equal(await up.count(), 107);
  for (const row of (await up.all()).slice(0, 5)) {
    assert.equal(await row.locator(".up-state").textContent(), "正常");
    for (const c of ["h24", "d7", "d30"]) assert.match(await row.locator(`td.col-${c}`).textContent(), /^\d{2,3}\.\d{2}%$/);
  }
  assert.ok(await up.first().locator(".history-bar .cell.up").count() > 0, "the last hour shows checks");
  assert.ok(await up.first().locator(".spark polyline").count() > 0, "a latency line");
  assert.equal(await ops.locator("ul.ops-counts li[data-count=down] b").textContent(), "1");
  assert.equal(await ops.locator("ul.ops-counts li[data-count=open] b").textContent(), "1");

  // Filter by state, and search by name or unit.
  await ops.getByLabel(/^故障/).check();
  assert.equal(await ops.locator("table.monitors tr.monitor").count(), 1);
  await ops.getByLabel(/^全部/).check();
  const find = ops.getByRole("searchbox", { name: "查找" });
  await find.fill("泾源");
  assert.equal(await ops.locator("table.monitors tr.monitor").count(), 4, "the four systems of 泾源县");
  await find.fill("");
  await ops.locator("h1").focus();
  await ops.screenshot({ path: join(shots, "70-ops-view.png") });
  assert.deepEqual(await violations(ops), [], "the ops view has no serious accessibility problem");
  await ops.context().close();
});

test("the officer told gets a notice, acknowledges it there, and the matrix and the ops view show it", async () => {
  // The ops view, open meanwhile in another browser, follows without a reload.
  const ops = await signIn(browser, server.url, "ops.datacenter");
  const card = ops.locator(".ops-incidents li.incident", { hasText: "社区E通（泾源县）" });
  await card.locator(".inc-state", { hasText: "未确认" }).waitFor();
  await ops.evaluate(() => { window.notReloaded = true; });

  // The banner reached the officer on the matrix, with a sound (they had clicked the page).
  const banner = officer.locator(".incident-notice[role=alert]", { hasText: "社区E通（泾源县）" });
  await banner.waitFor();
  assert.match(await banner.textContent(), /泾源县/);
  assert.ok(await officer.evaluate(() => Number(document.documentElement.dataset.alarms ?? 0)) >= 1, "an alarm sounded");
  // The 告警 column counts it in red on 泾源县's row.
  const row = officer.locator("table.matrix tr.unit[data-code='640424']");
  const count = row.locator("td.col-incidents .inc-count");
  await count.waitFor();
  assert.equal(await count.getAttribute("data-state"), "open");
  assert.match(await count.textContent(), /^1/);
  await officer.screenshot({ path: join(shots, "71-officer-notice.png") });

  // 查看 opens it in the ops view, its timeline shown; the banner stays meanwhile.
  await banner.getByRole("button", { name: "查看" }).click();
  const opened = officer.locator(".ops-panel li.incident", { hasText: "社区E通（泾源县）" });
  await opened.locator("ol.inc-timeline li", { hasText: "告警产生" }).waitFor();
  assert.equal(await opened.evaluate((n) => n === document.activeElement), true, "focus on the incident");
  assert.equal(await officer.locator(".ops-panel table.monitors tr.monitor").count(), 4, "泾源县's own four systems");
  await officer.click("#matrix-toggle");
  await row.waitFor();
  await banner.getByRole("button", { name: "确认" }).click();
  await banner.waitFor({ state: "detached" });
  // The matrix row turns amber: acknowledged, not yet resolved.
  await row.locator("td.col-incidents .inc-count[data-state=acknowledged]").waitFor();
  await row.getByRole("button", { name: "详情" }).click();
  const detail = officer.locator("table.matrix tr.unit-detail[data-code='640424']");
  const listed = detail.locator("li.unit-alarm", { hasText: "社区E通（泾源县）" });
  await listed.locator(".inc-state", { hasText: "已确认" }).waitFor();
  assert.equal(await listed.getByRole("button", { name: "确认" }).count(), 0, "acknowledged once");
  await listed.getByRole("button", { name: "处置" }).waitFor();
  await officer.screenshot({ path: join(shots, "72-matrix-incident-acknowledged.png") });

  // The ops view shows 已确认 by 何平, live.
  await card.locator(".inc-state", { hasText: "已确认" }).waitFor({ timeout: 10000 });
  assert.match(await card.locator(".progress").textContent(), /何平/);
  assert.equal(await ops.locator("ul.ops-counts li[data-count=acknowledged] b").textContent(), "1");
  assert.equal(await ops.evaluate(() => window.notReloaded), true, "without a reload");
  await ops.screenshot({ path: join(shots, "73-ops-acknowledged.png") });


  // On a phone: the matrix's units and the banner fit; the 告警 count reads on the card.
  const phone = await signIn(browser, server.url, "officer.jingyuan", { phone: true });
  await phone.locator("table.matrix tr.unit[data-code='640424'] td.col-incidents .inc-count").waitFor();
  await assertFits(phone, "matrix with incidents on a phone");
  await phone.screenshot({ path: join(shots, "76-matrix-incidents-phone.png") });
  await phone.context().close();
  await ops.context().close();
});

test("ops staff set a maintenance window: the system reads 维护中 until it is removed; at phone size too", async () => {
  const ops = await signIn(browser, server.url, "ops.datacenter");
  const row = ops.locator("table.monitors tr.monitor[data-key='nzt-640100']");
  await row.getByRole("button", { name: "维护窗口" }).click();
  const detail = ops.locator("table.monitors tr.monitor-detail[data-key='nzt-640100']");
  const form = detail.locator("form.window-form");
  await form.getByLabel("事由").fill("机房断电检修");
  await form.getByRole("button", { name: "添加" }).click();
  await detail.locator("ul.windows li", { hasText: "机房断电检修" }).waitFor();
  await ops.locator("table.monitors tr.monitor[data-key='nzt-640100'] .up-state", { hasText: "维护中" }).waitFor();
  assert.equal(await ops.locator("ul.ops-counts li[data-count=maintenance] b").textContent(), "1");
  await ops.locator("table.monitors tr.monitor-detail[data-key='nzt-640100']").scrollIntoViewIfNeeded();
  await ops.screenshot({ path: join(shots, "74-ops-maintenance.png") });
  await detail.getByRole("button", { name: "删除维护窗口「机房断电检修」" }).click();
  await detail.locator("ul.windows li", { hasText: "没有维护窗口" }).waitFor();
  await ops.locator("table.monitors tr.monitor[data-key='nzt-640100'] .up-state", { hasText: "正常" }).waitFor();

  const phone = await signIn(browser, server.url, "ops.datacenter", { phone: true });
  await phone.locator(".ops-incidents li.incident").first().waitFor();
  await phone.waitForFunction(() => document.querySelectorAll("table.monitors tr.monitor").length === 108);
  await assertFits(phone, "ops view on a phone");
  await phone.screenshot({ path: join(shots, "75-ops-phone.png") });
  await phone.locator(`table.monitors tr.monitor[data-key="${FAILING}"]`).getByRole("button", { name: "维护窗口" }).click();
  await phone.locator("form.window-form").waitFor();
  await assertFits(phone, "maintenance form on a phone");
  await phone.locator("form.window-form").scrollIntoViewIfNeeded();
  await phone.screenshot({ path: join(shots, "77-ops-maintenance-phone.png") });
  await phone.context().close();

  // The incident resolved with a short note: it moves to the last 7 days' list, with the note
  // in its timeline, and leaves the matrix's 告警 column.
  const card = ops.locator(".ops-incidents li.incident", { hasText: "社区E通（泾源县）" });
  await card.getByRole("button", { name: "处置" }).click();
  await card.getByLabel("处置说明").fill("已重启社区E通服务");
  await card.getByRole("button", { name: "提交处置" }).click();
  await ops.locator("ul.ops-counts li[data-count=acknowledged] b", { hasText: "0" }).waitFor();
  await ops.locator("details.past-incidents summary").click();
  const resolved = ops.locator("details.past-incidents li.incident", { hasText: "社区E通（泾源县）" });
  assert.equal(await resolved.locator(".inc-state").textContent(), "已处置");
  await resolved.getByRole("button", { name: "时间线" }).click();
  await resolved.locator("ol.inc-timeline li", { hasText: "已处置" }).waitFor();
  await officer.locator("table.matrix tr.unit[data-code='640424'] td.col-incidents.none").waitFor({ state: "attached" });
});
