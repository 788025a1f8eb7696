// Browser test of issue 11's loop from 找位置 to the firms behind an indicator: the office opens
// 规上工业增加值 on 找位置, sees the firms that pulled it down with their contributions adding up
// to the panel's growth, and opens a shortfall with them attached; a town user sees only his
// own town's firms and no other firm's figures; a department sees no firm's figures at all.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, login, startApp, waitForBodyText } from './support.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHOT_DIR = path.join(ROOT, 'target', 'e2e');

let browser;
let app;

after(async () => {
  await browser?.close().catch(() => {});
  await app?.stop();
});

test('the firms behind 规上工业增加值, a shortfall with them, and who sees which firm', async () => {
  browser = await launchBrowser();
  app = await startApp();
  await mkdir(SHOT_DIR, { recursive: true });
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await login(page, app.url, 'office');

  // 1–9 月 already has the demo's open shortfall on this indicator; 1–8 月 has none.
  await page.goto(`${app.url}/locate?period=2025-08`);
  await page.locator('a[href="/locate/indicators/industrial-va"]').first().click();
  await page.waitForURL(/\/locate\/indicators\/industrial-va/);
  if (!(await page.locator('#firm-contributions').innerText()).includes('1–8 月')) {
    await page.goto(`${app.url}/locate/indicators/industrial-va?period=2025-08`);
  }
  const section = await page.locator('#firm-contributions').innerText();
  assert.ok(section.includes('拖累与拉动的企业'), section);
  const growth = section.match(/累计增长\s*(-?[\d.]+)%，各企业贡献合计\s*(-?[\d.]+)\s*个百分点/);
  assert.ok(growth, `the panel's growth and the sum of contributions are stated:\n${section}`);
  assert.equal(growth[1], growth[2], 'the contributions add up to the panel growth');
  // The firms listed first pulled it down most (negative contributions, ascending).
  const contributions = await page
    .locator('#firm-contributions table[data-firm-lines] tbody tr td:last-child')
    .allInnerTexts();
  assert.ok(contributions.length > 0, 'firms are listed');
  const values = contributions.map((t) => Number.parseFloat(t));
  assert.ok(values[0] < 0, `the first firm pulled it down: ${values[0]}`);
  for (let i = 1; i < values.length; i += 1) {
    assert.ok(values[i - 1] <= values[i], `sorted most negative first: ${values}`);
  }
  await page.screenshot({ path: path.join(SHOT_DIR, 'firms-drilldown.png'), fullPage: true });

  // 开短板 from there carries the firms that pulled it down.
  await page.click('#open-with-firms');
  await page.waitForURL(/\/shortfalls\/new/);
  const attached = page.locator('#attach-firms input[name=enterprise]:checked');
  const count = await attached.count();
  assert.ok(count > 0, 'the firms come checked');
  const labels = await page.locator('#attach-firms label').allInnerTexts();
  const firstFirm = labels[0].trim().split(/[（ ]/)[0];
  await page.fill('textarea[name=analysis]', '规上工业增加值 1–8 月低于目标，主要受部分汽车零部件和五金企业产值下滑拖累。');
  await page.click('form.form button[type=submit]');
  await page.waitForURL(/\/shortfalls\/\d+$/);
  const firms = await page.locator('#shortfall-firms').innerText();
  assert.ok(firms.includes(firstFirm), `${firstFirm} is attached:\n${firms}`);
  const rows = await page.locator('#shortfall-firms tbody tr').count();
  assert.equal(rows, count, 'every checked firm is attached');
  const otherTownFirm = await page
    .locator('#shortfall-firms tbody tr', { hasNotText: '胶西街道' })
    .first()
    .locator('a')
    .getAttribute('href');
  await context.close();

  // A town user: his own town's firms only, and no other firm's figures.
  const town = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  const tp = await town.newPage();
  tp.on('pageerror', (e) => errors.push(e.message));
  await login(tp, app.url, 'jiaoxi');
  await tp.goto(`${app.url}/enterprises`);
  const townCells = await tp.locator('table.firms tbody tr td:nth-child(4)').allInnerTexts();
  assert.ok(townCells.length > 0, 'the town sees firms');
  assert.ok(townCells.every((t) => t.trim() === '胶西街道'), `only 胶西街道's firms: ${townCells}`);
  const own = await tp.locator('table.firms tbody tr td.name a').first().getAttribute('href');
  await tp.goto(`${app.url}${own}`);
  await waitForBodyText(tp, ['月度经营数据']);
  assert.ok(!(await tp.locator('body').innerText()).includes('按统计法保密'), 'his own firm: figures shown');
  if (otherTownFirm) {
    const resp = await tp.goto(`${app.url}${otherTownFirm}`);
    assert.equal(resp.status(), 404, 'another town\'s firm does not exist for him');
    const text = await tp.locator('body').innerText();
    assert.ok(!text.includes('累计工业总产值'), 'and none of its figures');
  }
  const api = await tp.request.get(`${app.url}/api/v1/indicators/industrial-va/firm-contributions?period=2025-08`);
  assert.equal(api.status(), 200);
  const body = await api.json();
  const names = JSON.stringify(body);
  assert.ok(!names.includes('阜安街道'), 'no other town in his panel');
  await town.close();

  // A department sees firms in the registry but no firm's figures.
  const dept = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  const dp = await dept.newPage();
  dp.on('pageerror', (e) => errors.push(e.message));
  await login(dp, app.url, 'dept');
  await dp.goto(`${app.url}${own}`);
  await waitForBodyText(dp, ['按统计法保密']);
  await dept.close();
  assert.deepEqual(errors, []);
});
