// Browser test of plausible input, as a newcomer would meet it: on a project's page an
// investment of 99,999,999 亿元 is refused with its allowed range and the form keeps what was
// typed; an investment above the confirmation threshold needs the 确认投资额无误 checkbox, and is
// saved once it is ticked.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, login, startApp } from './support.mjs';

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

test('an absurd investment is refused with its range; a large one needs confirmation', async () => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await login(page, app.url, 'office');

  // A project of the demo, opened from the 项目库 table.
  await page.goto(`${app.url}/projects?view=table`);
  await page.locator('a[href^="/projects/"]').filter({ hasNotText: '项目库' }).first().click();
  await page.waitForURL(/\/projects\/\d+$/);
  const projectUrl = page.url();
  const form = page.locator('form[action$="/edit"]');
  const investment = form.locator('input[name="total_investment"]');
  const stored = await investment.inputValue();

  await investment.fill('99999999');
  await form.locator('button[type="submit"]').click();
  const error = page.locator('p.error');
  await error.waitFor({ timeout: 10_000 });
  assert.equal(
    (await error.innerText()).trim(),
    '总投资 99,999,999 亿元 超出允许范围 0–2,000 亿元',
  );
  assert.equal(await page.locator('form[action$="/edit"] input[name="total_investment"]').inputValue(), '99999999',
    'the form keeps what was typed');

  // Above the soft limit: the confirmation appears, and the typed value stays.
  await page.locator('form[action$="/edit"] input[name="total_investment"]').fill('800');
  await page.locator('form[action$="/edit"] button[type="submit"]').click();
  const confirm = page.locator('form[action$="/edit"] input[name="confirm_large_investment"]');
  await confirm.waitFor({ timeout: 10_000 });
  assert.match(await page.locator('p.error').innerText(), /须确认/);
  assert.equal(await page.locator('form[action$="/edit"] input[name="total_investment"]').inputValue(), '800');

  // Nothing was saved so far.
  await page.goto(projectUrl);
  assert.equal(await page.locator('form[action$="/edit"] input[name="total_investment"]').inputValue(), stored);

  // Confirmed: saved.
  await page.locator('form[action$="/edit"] input[name="total_investment"]').fill('800');
  await page.locator('form[action$="/edit"] button[type="submit"]').click();
  await page.locator('form[action$="/edit"] input[name="confirm_large_investment"]').check();
  await page.locator('form[action$="/edit"] button[type="submit"]').click();
  await page.waitForFunction(() => !document.querySelector('p.error'), null, { timeout: 10_000 });
  await page.goto(projectUrl);
  assert.equal(await page.locator('form[action$="/edit"] input[name="total_investment"]').inputValue(), '800.00');
  assert.match(await page.locator('.kpi').first().innerText(), /800\.00 亿元/);
  assert.deepEqual(errors, []);
  await context.close();
});
