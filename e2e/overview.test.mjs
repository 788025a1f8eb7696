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
