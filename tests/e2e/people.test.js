// The administrator's people screen: a spreadsheet with mistakes is refused whole, each line's
// problem said in Chinese; the corrected one adds everyone, shows the generated first
// password once, and the new people can sign in. Also at phone size.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, startBrowser, signIn, assertFits, shots } from "./harness.js";

let server, browser;
before(async () => { server = await startServer(); browser = await startBrowser(); });
after(async () => { await browser?.close(); server?.stop(); });

const HEAD = "\ufeffusername,name,role,unit,group,password\r\n";
const csv = (text) => ({ name: "people.csv", mimeType: "text/csv", buffer: Buffer.from(HEAD + text) });

test("an administrator imports people from a spreadsheet", async () => {
  const admin = await signIn(browser, server.url, "admin");
  await admin.locator("#people-toggle").click();
  await admin.getByRole("heading", { name: "人员管理（本辖区）" }).waitFor();
  await admin.locator("table.people tr[data-username='clerk.dawan']").waitFor();

  await admin.locator("#people-file").setInputFiles(csv(
    "clerk.huanghua,黄花乡经办,clerk,640424,,黄花乡经办2026\r\n" +
    "clerk.nowhere,无此地,clerk,999999,,无此地经办2026\r\n" +
    "clerk.huanghua,重名,clerk,640424,,\r\n" +
    "expert.nogroup,无组专家,expert,640424,,\r\n"));
  const problems = admin.locator(".import-report ul.problems li");
  await problems.first().waitFor();
  assert.deepEqual(await problems.allTextContents(), [
    "第 3 行 · 单位代码不存在或不在本辖区",
    "第 4 行 · 用户名在文件中重复",
    "第 5 行 · 专家必须填写专家组",
  ]);
  assert.equal(await admin.locator("table.people tr[data-username='clerk.huanghua']").count(), 0, "nothing imported");
  await admin.screenshot({ path: join(shots, "23-admin-import-refused.png") });

  await admin.locator("#people-file").setInputFiles(csv(
    "clerk.huanghua,黄花乡经办,clerk,640424,,黄花乡经办2026\r\n" +
    "expert.liupan,六盘山专家,expert,640424,jingyuan,\r\n"));
  await admin.locator(".import-report p.ok", { hasText: "已导入 2 人" }).waitFor();
  const generated = await admin.locator(".import-report td.secret").textContent();
  assert.equal(generated.length, 12);
  // The demo's few hundred security officers fill the first page: look the new one up.
  await admin.fill("#people-q", "expert.liupan");
  await admin.locator(".people-filters button[type=submit]").click();
  await admin.locator("table.people tr[data-username='expert.liupan']").waitFor();
  await admin.screenshot({ path: join(shots, "24-admin-imported.png") });

  // An expert group for the county's card work.
  await admin.getByRole("button", { name: "新增专家组" }).click();
  const dialog = admin.locator("dialog");
  await dialog.locator("#group-code").fill("jingyuan-card");
  await dialog.locator("#group-name").fill("泾源县社保卡专班");
  await dialog.locator("#group-unit").fill("泾源县 640424");
  await dialog.locator("label.check", { hasText: "社会保障卡" }).click();
  await dialog.locator("button[type=submit]").click();
  await admin.locator("section.groups tr[data-group='jingyuan-card']", { hasText: "社会保障卡" }).waitFor();

  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  await page.goto(server.url);
  await page.fill("#username", "expert.liupan");
  await page.fill("#password", generated);
  await page.press("#password", "Enter");
  await page.locator("#conn[data-state=connected]").waitFor();
  await context.close();
});

test("the people screen fits a phone", async () => {
  const admin = await signIn(browser, server.url, "admin", { phone: true });
  await admin.locator("#people-toggle").click();
  await admin.locator("table.people tr[data-username='clerk.dawan']").waitFor();
  await assertFits(admin, "people screen");
  await admin.screenshot({ path: join(shots, "25-phone-admin-people.png") });
});
