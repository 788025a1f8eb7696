// Browser test of the gap ledger (全年缺口台账) on 找位置, as a new user would see it move: the
// office reads the covered and uncovered pp, signs a project and brings it into production
// through the 项目库 pages, reloads 找位置, and finds more covered and less uncovered.
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

// The ledger's covered and uncovered pp as the page shows them (its rows and its data).
async function readLedger(page) {
  await page.goto(`${app.url}/locate?period=2025-09`);
  const ledger = page.locator('#ledger');
  await ledger.waitFor();
  const shown = async (name) =>
    parseFloat((await ledger.locator(`[data-ledger="${name}"]`).innerText()).replace('+', ''));
  const covered = await shown('covered');
  const uncovered = await shown('uncovered');
  assert.ok(Math.abs(covered - parseFloat(await ledger.getAttribute('data-ledger-covered'))) < 0.006);
  assert.ok(Math.abs(uncovered - parseFloat(await ledger.getAttribute('data-ledger-uncovered'))) < 0.006);
  return {
    covered: parseFloat(await ledger.getAttribute('data-ledger-covered')),
    uncovered: parseFloat(await ledger.getAttribute('data-ledger-uncovered')),
  };
}

test('signing a project and bringing it into production moves the gap ledger', async () => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await login(page, app.url, 'office');
  await page.click('nav.mainnav >> text=找位置');
  await page.waitForURL(/\/locate/);
  const start = await readLedger(page);
  assert.ok(start.uncovered > 0, `the demo's gap is not covered yet: ${JSON.stringify(start)}`);

  // The attract task's lead becomes a project.
  await page.goto(`${app.url}/tasks`);
  await page.locator('a:has-text("智能家电产业链“订单式”招商")').click();
  await page.waitForURL(/\/tasks\/\d+$/);
  await page.locator('button:has-text("转为项目")').first().click();
  await page.waitForURL(/\/projects\/\d+$/);
  const projectUrl = new URL(page.url()).pathname;

  const advance = async (label) => {
    await page.locator('form[action$="/stage"] input[name=confirm]').check();
    await page.locator(`button:has-text("推进到“${label}”")`).click();
    // The boosted form swaps the page in place: wait for the new stage to show.
    await page.locator('ol.stages li', { hasText: label }).waitFor({ timeout: 10_000 }).catch(() => {});
    const stages = await page.locator('ol.stages').innerText();
    assert.ok(stages.includes(label), `reached ${label}: ${stages} ${await page.locator('.error').allInnerTexts()}`);
  };
  await advance('在谈');
  await advance('签约');

  // Where it lands and when it produces, then registered.
  await page.goto(`${app.url}${projectUrl}`);
  await page.selectOption('select[name=town_id]', { label: '胶西街道' });
  await page.fill('input[name=expected_production_month]', '2025-11');
  await page.locator('button:has-text("保存")').click();
  await page.locator('dd', { hasText: '2025 年 11 月' }).first().waitFor({ timeout: 10_000 });
  await advance('落地');

  // The parallel approval plan: shorter than doing the items one after another.
  await page.locator('button:has-text("按标准事项生成并联审批计划")').click();
  await page.locator('#approval .kpis').waitFor({ timeout: 10_000 });
  await page.waitForLoadState('networkidle');
  const kpis = await page.locator('#approval .kpis').innerText();
  const days = (label) => parseInt(kpis.split(label)[1], 10);
  assert.ok(days('并联关键路径') < days('串联办理合计'), kpis);
  assert.ok(await page.locator('[data-chart="gantt"] svg').count() > 0, 'the Gantt chart is drawn');
  // Starting is refused until the construction permit is done.
  await page.locator('form[action$="/stage"] input[name=confirm]').check();
  await page.locator('button:has-text("推进到“开工”")').click();
  await page.locator('.error').waitFor({ timeout: 10_000 });
  assert.ok((await page.locator('.error').innerText()).includes('施工许可'));
  for (let i = 0; i < 30; i++) {
    const button = page.locator('#approval button:has-text("开始办理"), #approval button:has-text("办结")').first();
    if ((await button.count()) === 0) break;
    const label = await button.innerText();
    const before = await page.locator('#approval button').count();
    await button.click();
    // Each click swaps the page: wait until the set of buttons changed.
    await page.waitForFunction(([n, l]) => {
      const buttons = [...document.querySelectorAll('#approval button')];
      return buttons.length !== n || !buttons.length || buttons[0].innerText !== l;
    }, [before, label], { timeout: 10_000 }).catch(() => {});
    await page.waitForLoadState('networkidle');
  }
  await page.goto(`${app.url}${projectUrl}`);
  await advance('开工');
  await advance('投产');
  // Reload 找位置: the ledger moved, without a rebuild of anything.
  const end = await readLedger(page);
  assert.ok(end.covered > start.covered, `covered rose: ${JSON.stringify({ start, end })}`);
  assert.ok(end.uncovered < start.uncovered, `uncovered fell: ${JSON.stringify({ start, end })}`);
  await mkdir(SHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SHOT_DIR, 'locate-ledger.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});
