// Browser test of enterprise requests (诉求), as a new user would go through them: the office
// gives a firm its link from the 诉求 menu; the firm, without an account, submits a request
// through it; the department it is routed to accepts, answers and resolves it; the firm rates
// it; the department's closure and satisfaction rates on the measures page change. A second
// request left unaccepted is late a month later and appears on 督办.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, login, startApp, waitForBodyText } from './support.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHOT_DIR = path.join(ROOT, 'target', 'e2e');
const FIRM = '青岛阜安纺织有限公司';
const DEPT = '市工业和信息化局';
const TITLE = '申请技改设备补助政策辅导';
const LATE = '厂房屋面光伏并网咨询';

let browser;
let app;
let later;

after(async () => {
  await browser?.close().catch(() => {});
  await app?.stop();
  await later?.stop();
});

async function signedIn(url, user) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await login(page, url, user);
  return { page, context, errors };
}

async function measuresLine(page) {
  await page.goto(`${app.url}/requests/measures?by=department`);
  const row = page.locator(`tr[data-group="${DEPT}"]`);
  if ((await row.count()) === 0) return { closure: '', satisfaction: '', text: '' };
  return {
    closure: (await row.locator('td.closure').innerText()).trim(),
    satisfaction: (await row.locator('td.satisfaction').innerText()).trim(),
    text: await row.innerText(),
  };
}

// Takes one step on the request page and waits until the state shows `state`.
async function step(page, label, note, state) {
  const form = page.locator('form', { has: page.locator(`button:text-is("${label}")`) }).first();
  await form.waitFor({ timeout: 10_000 });
  if (note) await form.locator('textarea[name=note]').fill(note);
  await form.locator(`button:text-is("${label}")`).click();
  await page.locator('.request-state', { hasText: state }).waitFor({ timeout: 10_000 }).catch(() => {});
  const shown = await page.locator('main').innerText();
  assert.ok(shown.includes(state), `${label}: the state should be ${state}\n${shown.slice(0, 1500)}`);
}

test('link → request → accept, answer, resolve → rating → measures; a late request on 督办', async () => {
  browser = await launchBrowser();
  app = await startApp({ keep: true });
  await mkdir(SHOT_DIR, { recursive: true });

  // The department's line before.
  const dept = await signedIn(app.url, 'dept');
  const before = await measuresLine(dept.page);

  // The office finds 诉求 in the menu and makes the firm's link.
  const office = await signedIn(app.url, 'office');
  await office.page.goto(`${app.url}/`);
  await office.page.click('nav.mainnav >> text=诉求');
  await office.page.waitForURL(/\/requests$/);
  // A county has thousands of firms: the form asks for the firm's USCC, found in the registry.
  const found = await office.page.request.get(`${app.url}/api/v1/enterprises?q=${encodeURIComponent(FIRM)}`);
  assert.equal(found.status(), 200);
  const uscc = (await found.json()).enterprises.find((e) => e.name === FIRM)?.uscc;
  assert.ok(uscc, `the registry should find ${FIRM}`);
  await office.page.fill('form[action="/requests/link"] input[name=firm_uscc]', uscc);
  await office.page.click('form[action="/requests/link"] button[type=submit]');
  await office.page.waitForLoadState('networkidle');
  const href = await office.page.locator('#firm-link a.firm-link').getAttribute('href');
  assert.match(href ?? '', /^\/r\/[A-Za-z0-9_-]+$/);
  const link = `${app.url}${href}`;

  // The firm, with no account, submits two requests through its link.
  const firmContext = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
  const firm = await firmContext.newPage();
  await firm.goto(link);
  await waitForBodyText(firm, ['企业诉求', FIRM]);
  for (const [category, title] of [['policy', TITLE], ['energy', LATE]]) {
    await firm.selectOption('select[name=category]', category);
    await firm.fill('input[name=title]', title);
    await firm.fill('textarea[name=description]', `${title}：请相关部门协助。`);
    await firm.click('form[action^="/r/"] button[type=submit]');
    await firm.waitForLoadState('load');
    await waitForBodyText(firm, ['诉求已提交']);
  }

  // The department (政策 is routed to it) accepts, answers and resolves the request.
  await dept.page.goto(`${app.url}/`);
  await dept.page.click('nav.mainnav >> text=诉求');
  await dept.page.locator('table.requests a', { hasText: TITLE }).click();
  await dept.page.waitForURL(/\/requests\/\d+$/);
  const requestUrl = new URL(dept.page.url()).pathname;
  await step(dept.page, '受理', '', '已受理');
  await step(dept.page, '答复', '已安排专人对接，三个工作日内上门辅导', '已答复');
  await step(dept.page, '办结', '已完成申报辅导，企业已提交补助申请', '已办结');

  // The firm rates it through the same link.
  await firm.goto(link);
  const rate = firm.locator('form.rate', { hasText: TITLE });
  await rate.locator('select[name=rating]').selectOption('satisfied');
  await rate.locator('button[type=submit]').click();
  await firm.waitForLoadState('load');
  await dept.page.goto(`${app.url}${requestUrl}`);
  await waitForBodyText(dept.page, ['满意']);

  // The department's closure and satisfaction rates changed.
  const afterLine = await measuresLine(dept.page);
  assert.notEqual(afterLine.text, before.text, `the line changes\n${before.text}\n${afterLine.text}`);
  assert.notEqual(afterLine.closure, before.closure);
  assert.notEqual(afterLine.satisfaction, before.satisfaction);
  assert.ok(afterLine.closure.includes('%') && afterLine.satisfaction.includes('%'), afterLine.text);
  await dept.page.screenshot({ path: path.join(SHOT_DIR, 'requests-measures.png'), fullPage: true });
  assert.deepEqual(dept.errors, []);
  assert.deepEqual(office.errors, []);
  await firmContext.close();
  await dept.context.close();
  await office.context.close();

  // A month later the unaccepted request is late, and the office sees it on 督办.
  const dir = app.dir;
  await app.stop();
  app = undefined;
  later = await startApp({ dir, today: '2025-11-14' });
  const office2 = await signedIn(later.url, 'office');
  await office2.page.click('nav.mainnav >> text=督办');
  await office2.page.waitForURL(/\/supervision$/);
  const late = await office2.page.locator('#late-requests').innerText();
  assert.ok(late.includes(LATE) && late.includes(FIRM), late);
  assert.ok(!late.includes(TITLE), 'the confirmed request is not late');
  assert.deepEqual(office2.errors, []);
  await office2.context.close();
});
