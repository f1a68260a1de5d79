// The security officers' responsibility matrix (责任矩阵) with the demo data: the data centre's
// ops person sees every unit of the region — all 242 townships reachable in the tree, gaps and
// missed checks in red, counted on collapsed parents, the filters — and 大湾乡's officer, who
// starts on the matrix, completes today's check (日常巡检); the ops page turns it green live.
// At office-PC and phone size; axe finds nothing serious. An administrator's roster import is
// refused with each line's problem in Chinese.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, startBrowser, signIn, shots, advanceClock, assertFits, violations } from "./harness.js";

let server, browser;
before(async () => {
  // Sessions outlast the hours the clock may be moved by.
  server = await startServer({ env: { BACKSTOP_TEST_CLOCK: "1", BACKSTOP_SESSION_HOURS: "72" } });
  browser = await startBrowser();
});
after(async () => { await browser?.close(); server?.stop(); });

const MINUTE = 60 * 1000;

/** Minutes after midnight in the region's time (Asia/Shanghai) at `ms`. */
function shanghaiMinutes(ms) {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(ms);
  const part = (type) => Number(parts.find((p) => p.type === type).value);
  return part("hour") * 60 + part("minute");
}

/** An element's computed colour as [r, g, b]; asked again if a live redraw replaced it. */
async function rgb(locator, property = "color") {
  for (let tries = 0; ; tries++) {
    const value = await locator.evaluate((node, p) => (node.isConnected ? getComputedStyle(node)[p] : ""), property);
    if (value || tries > 5) return value.match(/\d+/g).slice(0, 3).map(Number);
  }
}

/** Whether an element's `property` is a red (the console's --bad). */
async function reddish(locator, property = "color") {
  const [r, g, b] = await rgb(locator, property);
  return r > 150 && g < 90 && b < 90;
}

/** Whether an element's colour is a green (the console's --ok). */
async function greenish(locator) {
  const [r, g, b] = await rgb(locator);
  return g > 90 && g > r + 40 && g > b + 20;
}

test("every township is in the matrix, problems show red, and a check done by the officer turns green live", async () => {
  // A check is missed only after the 10:00 deadline: before it, move the server's clock to
  // 10:30 the same day (the demo filled today's checks when it started).
  const minutes = shanghaiMinutes(Date.now());
  if (minutes < 10 * 60) await advanceClock(server, (10 * 60 + 30 - minutes) * MINUTE);

  // Ops staff start on the ops view; the matrix is a click away.
  const ops = await signIn(browser, server.url, "ops.datacenter");
  await ops.locator(".ops-panel h1").waitFor();
  await ops.click("#matrix-toggle");
  await ops.locator(".matrix-panel h1", { hasText: "责任矩阵" }).waitFor();
  await ops.waitForFunction(() => document.querySelectorAll("table.matrix tr[data-level=township]").length === 242);
  const townships = ops.locator("table.matrix tr[data-level=township]");
  // Collapsed at first: the region and its cities.
  assert.equal(await townships.filter({ visible: true }).count(), 0);
  await ops.getByRole("button", { name: "全部展开" }).click();
  assert.equal(await townships.filter({ visible: true }).count(), 242, "all 242 townships reachable");
  assert.equal(await ops.locator("table.matrix tr.unit").filter({ visible: true }).count(), 270, "1 region, 5 cities, 22 counties, 242 townships");

  // Gaps are red; missed checks (the job runner marks them each second) too.
  const gap = ops.locator("table.matrix li.gap").first();
  await gap.waitFor();
  assert.ok(await reddish(gap), "a gap shows in red");
  const missed = ops.locator("table.matrix .check.missed .check-state").first();
  await missed.waitFor({ timeout: 15000 });
  assert.ok(await reddish(missed), "a missed check shows in red");
  assert.ok(await reddish(ops.locator("ul.matrix-counts li[data-count=missed]")), "the summary counts missed checks in red");

  // Collapsed, the region's row counts the troubled units below it, in red.
  await ops.getByRole("button", { name: "全部收起" }).click();
  assert.equal(await ops.locator("table.matrix tr.unit").filter({ visible: true }).count(), 1);
  const below = ops.locator("table.matrix tr[data-level=region] .below");
  assert.ok(Number(await below.evaluate((n) => n.firstChild.textContent)) > 0);
  assert.ok(await reddish(below, "backgroundColor"), "a collapsed parent shows a red count");
  // Keyboard: the region opens with Enter on its toggle.
  await ops.locator("table.matrix tr[data-level=region] .tree-toggle").focus();
  await ops.keyboard.press("Enter");
  assert.equal(await ops.locator("table.matrix tr[data-level=city]").filter({ visible: true }).count(), 5);

  // Only gaps: each township shown has one; only missed checks: each township shown was missed.
  await ops.getByLabel("只看缺口").check();
  const shownTownships = async () => townships.filter({ visible: true });
  let shown = await shownTownships();
  assert.ok(await shown.count() > 0 && await shown.count() < 242);
  for (const row of await shown.all()) assert.ok(await row.locator("li.gap").count() > 0, "a township shown has a gap");
  await ops.screenshot({ path: join(shots, "60-matrix-ops.png") });
  await ops.getByLabel("只看未巡检").check();
  shown = await shownTownships();
  assert.ok(await shown.count() > 0 && await shown.count() < 242);
  for (const row of await shown.all()) assert.equal(await row.locator(".check.missed").count(), 1, "a township shown missed its check");
  await ops.getByLabel("全部单位").check();
  assert.deepEqual(await violations(ops), [], "the matrix has no serious accessibility problem");

  // The exports are spreadsheets (UTF-8 with a byte-order mark).
  for (const name of ["导出责任矩阵 CSV", "导出值班表 CSV"]) {
    const href = await ops.getByRole("link", { name }).getAttribute("href");
    const bytes = await ops.evaluate(async (h) => Array.from(new Uint8Array(await (await fetch(h)).arrayBuffer()).slice(0, 3)), href);
    assert.deepEqual(bytes, [0xef, 0xbb, 0xbf], name);
  }

  // 大湾乡 on the ops page, not yet checked today.
  await ops.getByRole("button", { name: "全部展开" }).click();
  const dawanOnOps = ops.locator("table.matrix tr[data-level=township]", { hasText: "大湾乡" });
  assert.match(await dawanOnOps.locator(".check").getAttribute("data-state"), /^(pending|missed)$/);
  await ops.evaluate(() => { window.notReloaded = true; });

  // The township's officer starts on the matrix, their unit first with the check at hand.
  const officer = await signIn(browser, server.url, "officer.dawan");
  await officer.locator(".matrix-panel").waitFor();
  const card = officer.locator("li.my-unit", { hasText: "大湾乡" });
  await card.locator("button.do-check", { hasText: "完成巡检" }).waitFor();
  await officer.screenshot({ path: join(shots, "61-matrix-officer.png") });

  // The same officer on a phone: the units are cards, nothing wider than the screen.
  const phone = await signIn(browser, server.url, "officer.dawan", { phone: true });
  await phone.locator("li.my-unit button.do-check").waitFor();
  await assertFits(phone, "matrix on a phone");
  await phone.screenshot({ path: join(shots, "62-matrix-phone.png") });
  await phone.locator("li.my-unit button.do-check").click();
  await phone.locator("dialog.checklist-dialog fieldset.check-item").first().waitFor();
  await assertFits(phone, "checklist on a phone");
  await phone.locator("dialog.checklist-dialog button.secondary", { hasText: "取消" }).click();
  await phone.context().close();

  // The checklist: every item, 打印机 with a problem and a note; submitted.
  await card.locator("button.do-check").click();
  const dialog = officer.locator("dialog.checklist-dialog");
  for (const item of ["业务系统登录", "网络连通", "读卡器", "打印机", "数据备份"]) await dialog.locator("fieldset.check-item", { hasText: item }).waitFor();
  const printer = dialog.locator("fieldset.check-item", { hasText: "打印机" });
  await printer.getByLabel("异常").check();
  await printer.locator("input.item-note").fill("缺纸，已补充");
  await dialog.locator("#check-note").fill("读卡器驱动已更新");
  await dialog.locator("button[type=submit]").click();
  await dialog.waitFor({ state: "detached" });
  const done = card.locator(".check.done, .check.late");
  await done.waitFor();
  assert.ok(await greenish(done.locator(".check-state")), "the officer's own unit turns green");
  assert.equal(await card.locator("button.do-check").count(), 0, "checked once");

  // The ops page, untouched, turns green live.
  const green = dawanOnOps.locator(".check.done, .check.late");
  await green.waitFor({ timeout: 10000 });
  assert.match(await green.textContent(), /丁守/);
  assert.ok(await greenish(green.locator(".check-state")), "green on the ops page");
  assert.equal(await ops.evaluate(() => window.notReloaded), true, "without a reload");
  await dawanOnOps.scrollIntoViewIfNeeded();
  await ops.screenshot({ path: join(shots, "63-matrix-check-done.png") });

  // What was found stays readable in the unit's details.
  await dawanOnOps.getByRole("button", { name: "详情" }).click();
  const detail = ops.locator("table.matrix tr.unit-detail");
  await detail.locator("ul.history li").first().waitFor();
  await detail.getByRole("button", { name: "查看巡检" }).click();
  await ops.locator("dialog.checklist-dialog .check-done", { hasText: "丁守" }).waitFor();
  assert.equal(await ops.locator("dialog.checklist-dialog fieldset.check-item", { hasText: "打印机" }).locator("input.item-note").inputValue(), "缺纸，已补充");
  await ops.locator("dialog.checklist-dialog button.secondary").click();
  // An ops person arranges nothing: no import.
  assert.equal(await ops.getByRole("button", { name: "导入值班表" }).count(), 0);
});

test("an administrator's roster file is refused line by line, and an export goes back in", async () => {
  const admin = await signIn(browser, server.url, "admin");
  await admin.click("#matrix-toggle");
  await admin.locator("table.matrix tr[data-level=region]").waitFor();
  const picker = admin.locator(".importer", { hasText: "导入值班表" }).locator("input[type=file]");
  const file = (text) => ({ name: "rosters.csv", mimeType: "text/csv", buffer: Buffer.from(`\ufeff${text}`) });
  // As a spreadsheet saves it: a byte-order mark, CRLF line ends; the header is line 1.
  await picker.setInputFiles(file("单位代码,类型,人员,开始,结束,周期天数,班次,说明\r\n"
    + "999999999,轮值,officer.dawan,2026-12-07,,1,08:00-20:00,\r\n"
    + "640424007,轮值,officer.dawan,2026-12-07,,1,早八点到晚八点,\r\n"));
  const problems = admin.locator(".import-report ul.problems li");
  await problems.first().waitFor();
  assert.match(await problems.nth(0).textContent(), /^第 2 行 · 单位代码不存在/);
  assert.match(await problems.nth(1).textContent(), /^第 3 行 · 班次写法不对.*（班次）$/);
  // The export goes back in as it is: accepted.
  const exported = await admin.evaluate(async () => (await fetch("/api/duty/rosters.csv")).text());
  await picker.setInputFiles(file(exported.replace(/^\ufeff/, "")));
  await admin.locator(".import-report p.ok", { hasText: "已导入" }).waitFor();
});

test("a unit head registers leave cover in a township's details, and withdraws it", async () => {
  const head = await signIn(browser, server.url, "supervisor.jingyuan");
  await head.click("#matrix-toggle");
  await head.locator(".matrix-panel h1", { hasText: "泾源县" }).waitFor();
  await head.getByRole("button", { name: "全部展开" }).click();
  const dawan = head.locator("table.matrix tr[data-level=township]", { hasText: "大湾乡" });
  await dawan.getByRole("button", { name: "详情" }).click();
  const detail = head.locator("table.matrix tr.unit-detail");
  const form = detail.locator("form.override-form");
  await form.waitFor();
  // Tomorrow 08:00 to 12:00, Shanghai time.
  const day = new Intl.DateTimeFormat("sv-SE", { timeZone: "Asia/Shanghai" }).format(Date.now() + 24 * 3600 * 1000);
  await form.getByLabel("替班安全员（用户名）").fill("officer.640424001");
  await form.getByLabel("开始").fill(`${day}T08:00`);
  await form.getByLabel("结束").fill(`${day}T12:00`);
  await form.getByLabel("原因（如请假、调班）").fill("丁守请假");
  await form.getByRole("button", { name: "登记" }).click();
  const line = detail.locator("ul.overrides li", { hasText: "丁守请假" });
  await line.waitFor();
  assert.match(await line.textContent(), /08:00 至 .*12:00/);
  await head.screenshot({ path: join(shots, "64-matrix-cover.png") });
  await line.getByRole("button", { name: "撤销" }).click();
  await line.waitFor({ state: "detached" });
});
