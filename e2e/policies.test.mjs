// Browser test of policies that find their firms (惠企政策): from the 政策 menu, a policy lists
// its eligible firms with the reasons; a firm that fails one condition (in the track, but below
// the scale line) is not among them; the office pushes the policy to an eligible firm and
// records its cashing; a refused new policy keeps what was typed.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, login, startApp, waitForBodyText } from './support.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHOT_DIR = path.join(ROOT, 'target', 'e2e');
const POLICY = '新一代信息技术与人工智能企业算力券';
const ELIGIBLE = '青岛上合光电显示科技有限公司';
const FAILS_SCALE = '青岛上合智算科技有限公司';

let browser;
let app;

after(async () => {
  await browser?.close().catch(() => {});
  await app?.stop();
});

test('a policy lists its eligible firms; a firm failing a condition is not among them', async () => {
  browser = await launchBrowser();
  app = await startApp();
  await mkdir(SHOT_DIR, { recursive: true });
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await login(page, app.url, 'office');

  await page.click('nav.mainnav >> text=政策');
  await page.waitForURL(/\/policies$/);
  await waitForBodyText(page, ['惠企政策', '共 30 项政策']);
  await page.locator('table.policies a', { hasText: POLICY }).click();
  await page.waitForURL(/\/policies\/\d+$/);
  const conditions = await page.locator('#conditions').innerText();
  assert.ok(conditions.includes('产业赛道') && conditions.includes('规模'), conditions);
  const eligible = await page.locator('#eligible').innerText();
  assert.ok(eligible.includes(ELIGIBLE), eligible);
  assert.ok(eligible.includes('属于') && eligible.includes('赛道'), 'reasons are shown');
  assert.ok(!eligible.includes(FAILS_SCALE), `${FAILS_SCALE} fails the scale condition:\n${eligible}`);

  // The office pushes it to an eligible firm and records the cashing.
  const row = page.locator('#eligible tr', { hasText: ELIGIBLE });
  if (await row.locator('button:text-is("推送")').count()) {
    await row.locator('button:text-is("推送")').click();
    await page.waitForLoadState('networkidle');
  }
  const push = page.locator('#pushes tr', { hasText: ELIGIBLE });
  await push.waitFor({ timeout: 10_000 });
  if (await push.locator('input[name=amount_wan]').count()) {
    await push.locator('input[name=amount_wan]').fill('35');
    await push.locator('button:text-is("记录兑现")').click();
    await page.waitForLoadState('networkidle');
  }
  const pushes = await page.locator('#pushes').innerText();
  assert.ok(pushes.includes(ELIGIBLE) && pushes.includes('万元'), pushes);
  await page.screenshot({ path: path.join(SHOT_DIR, 'policy-eligible.png'), fullPage: true });

  // A new policy refused on a condition shows again with what was typed.
  await page.goto(`${app.url}/policies/new`);
  await page.fill('input[name=title]', '测试政策：专精特新贷款贴息');
  await page.fill('input[name=issuer]', '胶州市财政局');
  await page.fill('input[name=valid_from]', '2025-01-01');
  await page.fill('textarea[name=benefit]', '按贷款利息的 30% 贴息');
  await page.fill('input[name=tags]', '独角兽');
  await page.click('form.policy-form button[type=submit]');
  await page.waitForLoadState('networkidle');
  const alert = await page.locator('p.error').innerText();
  assert.ok(alert.includes('企业标签'), alert);
  assert.equal(await page.inputValue('input[name=title]'), '测试政策：专精特新贷款贴息');
  assert.deepEqual(errors, []);
  await context.close();
});
