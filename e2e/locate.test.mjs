// Browser test of the 找位置 page: the demo names above-scale industrial value added as the
// first thing holding 2025 back, with its percentage-point figure, and draws its charts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, login, startApp } from './support.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHOT_DIR = path.join(ROOT, 'target', 'e2e');

let app;
let browser;

before(async () => {
  app = await startApp();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await app?.stop();
});

test('locate names above-scale industry first, with its pp of GDP', async () => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await login(page, app.url, 'office');
  await page.click('nav.mainnav >> text=找位置');
  await page.waitForURL(/\/locate/);
  const headline = await page.locator('.headline .answer').innerText();
  assert.match(headline, /地区生产总值累计增长 5\.1%（统计快报，截至 9 月底）/);
  assert.match(headline, /模型测算 5\.2%/);
  assert.match(headline, /低于目标 0\.5 个百分点/);
  const first = page.locator('table.ranked tbody tr').first();
  assert.equal(await first.getAttribute('data-indicator'), 'industrial-va');
  const text = await first.innerText();
  assert.ok(text.includes('规上工业增加值'), text);
  assert.ok(text.includes('1.30'), `the row shows its pp of GDP: ${text}`);
  assert.ok(text.includes('滞后'), text);
  assert.ok(text.includes('拖累 GDP 约 1.30 个百分点'), text);
  for (const chart of ['waterfall', 'trend']) {
    assert.ok(await page.locator(`[data-chart="${chart}"] svg`).count() > 0, `${chart} chart did not render`);
  }
  await mkdir(SHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SHOT_DIR, 'locate.png'), fullPage: true });
  // Drill down into the indicator.
  await first.locator('a').first().click();
  await page.waitForURL(/\/locate\/indicators\/industrial-va/);
  assert.ok((await page.locator('body').innerText()).includes('逐期数据'));
  assert.deepEqual(pageErrors, [], 'the pages raised JavaScript errors');
  await context.close();
});
