// Browser test of the overview page (/) of the demo app.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, login, startApp, waitForBodyText } from './support.mjs';

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

test('overview shows the signed-projects target with its tiers', async () => {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    locale: 'zh-CN',
  });
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  try {
    await login(page, app.url, 'office');
    await page.goto(`${app.url}/`, { waitUntil: 'networkidle' });

    const text = await waitForBodyText(page, [
      '新签约项目',
      '聚焦突破类',
      '重点实施类',
      '加快布局类',
      '序时进度',
    ]);
    for (const n of ['60', '120', '200']) {
      assert.ok(text.includes(n), `overview text lacks ${n}:\n${text}`);
    }

    const targets = await page.locator('[data-target="signed-projects"]').count();
    assert.ok(targets > 0, 'no element with data-target="signed-projects" on /');
    // The 200 signed projects broken into 60 / 120 / 20 by tier, each with its 序时进度 status word.
    for (const [code, value] of [['signed-projects', '200 个'], ['signed-projects-focus', '60 个'], ['signed-projects-key', '120 个'], ['signed-projects-layout', '20 个']]) {
      const row = await page.locator(`[data-target="${code}"]`).first().innerText();
      assert.ok(row.includes(value), `${code} row lacks ${value}: ${row}`);
      assert.match(row, /正常|关注|滞后/, `${code} row has no status word: ${row}`);
    }
    const layoutRow = await page.locator('[data-target="signed-projects-layout"]').first().innerText();
    assert.ok(layoutRow.includes('滞后'), `the layout tier (7 of 20 at 75 %) is behind: ${layoutRow}`);
    // The progress chart was drawn by ECharts from the embedded assets.
    assert.ok(await page.locator('[data-chart="progress"] svg').count() > 0, 'the progress chart did not render');
    assert.deepEqual(pageErrors, [], 'the page raised JavaScript errors');

    await mkdir(SHOT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SHOT_DIR, 'overview.png'), fullPage: true });

    if (pageErrors.length) {
      console.error(`JavaScript errors on /:\n${pageErrors.join('\n')}`);
    }
  } catch (e) {
    // Keep a picture of what went wrong, and the app's output.
    await mkdir(SHOT_DIR, { recursive: true });
    await page
      .screenshot({ path: path.join(SHOT_DIR, 'overview-failure.png'), fullPage: true })
      .catch(() => {});
    e.message += `\n${app.logs()}`;
    throw e;
  } finally {
    await context.close();
  }
});
