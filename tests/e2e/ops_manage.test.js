// Managing monitors in the ops view: the administrator adds an HTTP monitor of 泾源县 against
// the server's own /healthz (keyword "ok"); a bad interval is refused with the reason under its
// field; the new system reads 待检测, its name is changed, it is stopped (已停用, last in the
// list and counted apart) and started again. The form at office-PC and phone size.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, startBrowser, signIn, shots, assertFits } from "./harness.js";

let server, browser;
before(async () => {
  // The test clock stands still, so the new system stays 待检测 until the test looks.
  server = await startServer({ env: { BACKSTOP_TEST_CLOCK: "1" } });
  browser = await startBrowser();
});
after(async () => { await browser?.close(); server?.stop(); });

test("the administrator adds a system, changes its name, stops it and starts it again", async () => {
  const page = await signIn(browser, server.url, "admin");
  await page.locator("#ops-toggle").waitFor();
  await page.click("#ops-toggle");
  await page.waitForFunction(() => document.querySelectorAll("table.monitors tr.monitor").length === 108);

  await page.getByRole("button", { name: "添加监测" }).click();
  const dialog = page.locator("dialog.monitor-dialog");
  await dialog.waitFor();
  await dialog.getByLabel("检测方式").selectOption("http");
  await dialog.getByLabel("系统名称").fill("健康检查（泾源县）");
  await dialog.getByLabel("代码", { exact: true }).fill("health-640424");
  await dialog.getByLabel("所属单位（单位代码）").fill("640424");
  assert.equal(await dialog.locator(".unit-name").textContent(), "泾源县");
  await dialog.getByLabel("检测地址").fill(`${server.url}/healthz`);
  await dialog.getByLabel("关键字（可选）").fill("ok");
  const interval = dialog.getByLabel("检测间隔（秒）");
  await interval.fill("5");
  await page.screenshot({ path: join(shots, "78-monitor-form.png") });

  // The server refuses 5 s; its reason shows under the interval, which has the focus.
  await dialog.getByRole("button", { name: "添加", exact: true }).click();
  const refusal = dialog.locator("#mon-interval_secs-error");
  await refusal.waitFor();
  assert.match(await refusal.textContent(), /10 秒到 86400 秒/);
  assert.equal(await interval.evaluate((n) => n === document.activeElement), true, "focus on the interval");
  assert.equal(await interval.getAttribute("aria-invalid"), "true");

  await interval.fill("60");
  await dialog.getByRole("button", { name: "添加", exact: true }).click();
  await dialog.waitFor({ state: "detached" });
  const row = page.locator("table.monitors tr.monitor[data-key='health-640424']");
  await row.locator(".up-state", { hasText: "待检测" }).waitFor();
  assert.match(await row.locator(".sys-meta").textContent(), /泾源县 · HTTP/);

  // Changed: the same form, filled in, its key fixed.
  await row.getByRole("button", { name: "编辑 健康检查（泾源县）" }).click();
  await dialog.waitFor();
  assert.equal(await dialog.getByLabel("代码", { exact: true }).inputValue(), "health-640424");
  assert.equal(await dialog.getByLabel("代码", { exact: true }).getAttribute("readonly"), "");
  assert.equal(await dialog.getByLabel("关键字（可选）").inputValue(), "ok");
  assert.equal(await dialog.getByLabel("检测间隔（秒）").inputValue(), "60");
  await dialog.getByLabel("系统名称").fill("人社健康检查（泾源县）");
  await dialog.getByRole("button", { name: "保存" }).click();
  await dialog.waitFor({ state: "detached" });
  await row.locator(".sys-name", { hasText: "人社健康检查（泾源县）" }).waitFor();

  // Stopped after a confirmation: greyed, last, counted as 已停用.
  page.once("dialog", (d) => { assert.match(d.message(), /停用后不再检测，未处置的告警将自动恢复/); d.accept(); });
  await row.getByRole("button", { name: "停用" }).click();
  await row.locator(".up-state.paused", { hasText: "已停用" }).waitFor();
  assert.equal(await page.locator("table.monitors tr.monitor").last().getAttribute("data-key"), "health-640424");
  assert.equal(await page.locator("ul.ops-counts li[data-count=paused] b").textContent(), "1");
  await page.getByLabel(/^已停用/).check();
  assert.equal(await page.locator("table.monitors tr.monitor").count(), 1);
  await page.getByLabel(/^全部/).check();
  assert.equal(await row.getByRole("button", { name: "编辑" }).count(), 0, "a stopped system is only started again");

  // Started again: checked again, 待检测 until its first check.
  await row.getByRole("button", { name: "启用" }).click();
  await row.locator(".up-state", { hasText: "待检测" }).waitFor();
  assert.equal(await page.locator("ul.ops-counts li[data-count=paused]").count(), 0);
  await page.context().close();
});

test("the add form fits a phone", async () => {
  const phone = await signIn(browser, server.url, "ops.datacenter", { phone: true });
  await phone.waitForFunction(() => document.querySelectorAll("table.monitors tr.monitor").length >= 108);
  await phone.getByRole("button", { name: "添加监测" }).click();
  const dialog = phone.locator("dialog.monitor-dialog");
  await dialog.waitFor();
  await assertFits(phone, "monitor form on a phone");
  await phone.screenshot({ path: join(shots, "79-monitor-form-phone.png") });
  await dialog.getByRole("button", { name: "取消" }).click();
  await dialog.waitFor({ state: "detached" });
  await phone.context().close();
});
