// Browser test of supply–demand matching (供需对接): from the 供需对接 menu the office sees the
// needs with their local suppliers and the needs without one; it records an introduction of a
// need to its best supplier and the deal; a deal refused (an amount that is not a number) keeps
// what was typed; a firm's page shows its needs with the suggested suppliers.
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

test('the office introduces a need to a local supplier and records the deal', async () => {
  browser = await launchBrowser();
  app = await startApp();
  await mkdir(SHOT_DIR, { recursive: true });
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await login(page, app.url, 'office');

  await page.click('nav.mainnav >> text=供需对接');
  await page.waitForURL(/\/matching$/);
  await waitForBodyText(page, ['供需对接', '无本地供应的需求']);
  const unmatched = await page.locator('#unmatched').innerText();
  assert.ok(unmatched.includes('集成电路制造'), unmatched);

  // A need with a supplier form, not yet introduced: record the introduction.
  const form = page
    .locator('#needs tbody tr', { has: page.locator('form'), hasNotText: '已对接' })
    .first()
    .locator('form');
  const need = await form.locator('input[name=need]').getAttribute('value');
  const supplier = await form.locator('select[name=supplier] option').first().innerText();
  await form.locator('input[name=note]').fill('组织双方见面');
  await form.locator('button:text-is("记录对接")').click();
  await page.waitForLoadState('networkidle');
  const row = page.locator(`#need-${need}`);
  assert.ok((await row.innerText()).includes(supplier), 'the introduction is listed with the need');

  // Its deal: refused first (not a number), the typed amount kept; then recorded.
  const intro = page.locator('#introductions tr', { hasText: '组织双方见面' }).first();
  await intro.locator('input[name=amount_wan]').fill('三十万');
  await intro.locator('button:text-is("记录成交")').click();
  await page.waitForLoadState('networkidle');
  assert.ok((await page.locator('p.error').innerText()).includes('成交额'));
  const again = page.locator('#introductions tr', { hasText: '组织双方见面' }).first();
  assert.equal(await again.locator('input[name=amount_wan]').inputValue(), '三十万');
  await again.locator('input[name=amount_wan]').fill('42.5');
  await again.locator('button:text-is("记录成交")').click();
  await page
    .locator('#introductions tr', { hasText: '42.5 万元' })
    .first()
    .waitFor({ timeout: 15_000 })
    .catch(async () => assert.fail(await page.locator('main').innerText()));
  const done = await page.locator('#introductions tr', { hasText: '组织双方见面' }).first().innerText();
  assert.ok(done.includes('42.5 万元'), done);
  await page.screenshot({ path: path.join(SHOT_DIR, 'matching.png'), fullPage: false });

  // The needing firm's page shows its needs with suggested suppliers.
  await page.locator(`#need-${need} td a`).first().click();
  await page.waitForURL(/\/enterprises\/[0-9A-Z]{18}$/);
  const section = await page.locator('#firm-matching').innerText();
  assert.ok(section.includes('外购需求') && section.includes(supplier), section);
  assert.deepEqual(errors, []);
  await context.close();
});
