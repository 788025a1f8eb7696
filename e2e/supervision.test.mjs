// Browser test of supervision (督办), as the office and a leader would do it: the office urges
// an overdue task and its claimer sees the notification; the claimer asks for an extension and
// the office approves it (the original deadline stays on the page); the claimer completes the
// task with 成效 and a 佐证 file, confirming; the office accepts it, and the 赛马 line of the
// task's department changes accordingly.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, login, startApp } from './support.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHOT_DIR = path.join(ROOT, 'target', 'e2e');
const TASK = '规上工业企业技改项目提速';
const DEPT = '工业和信息化局';

let browser;
let app;

after(async () => {
  await browser?.close().catch(() => {});
  await app?.stop();
});

async function signedIn(user) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await login(page, app.url, user);
  return { page, context, errors };
}

// Waits until `selector` shows `text` (a boosted form's answer is swapped in after the click),
// then returns the element's text.
async function sees(page, selector, text) {
  const el = page.locator(selector, { hasText: text }).first();
  await el.waitFor({ timeout: 10_000 }).catch(() => {});
  const shown = await page.locator(selector).first().innerText();
  assert.ok(shown.includes(text), `${selector} should show “${text}”:\n${shown.slice(0, 1500)}`);
  return shown;
}

async function rankingLine(page) {
  await page.goto(`${app.url}/supervision`);
  const row = page.locator('#ranking table[data-kind="部门排名"] tr', { hasText: DEPT });
  assert.equal(await row.count(), 1, 'the department is on the ranking');
  return row.innerText();
}

test('urge → notification → extension → completion with evidence → acceptance → ranking', async () => {
  browser = await launchBrowser();
  app = await startApp();
  await mkdir(SHOT_DIR, { recursive: true });

  // The office sees the ranking with its formula, departments and towns apart, then urges the
  // overdue task from 督办.
  const office = await signedIn('office');
  const before = await rankingLine(office.page);
  const ranking = await office.page.locator('#ranking').innerText();
  assert.ok(ranking.includes('综合得分') && ranking.includes('镇街排名'), ranking);
  await office.page.locator('table.tasks a', { hasText: TASK }).first().click();
  await office.page.waitForURL(/\/tasks\/\d+$/);
  const taskUrl = new URL(office.page.url()).pathname;
  await office.page.fill('#supervise input[name=note]', '请本周内报送技改进展');
  await office.page.click('#supervise button:has-text("催办")');
  await office.page.waitForLoadState('networkidle');
  await office.page.locator('.headline', { hasText: '已催办 1 次' }).waitFor({ timeout: 10_000 }).catch(() => {});
  const urged = await office.page.locator('main').innerText();
  assert.ok(urged.includes('已催办 1 次'), urged.slice(0, 1500));

  // The claimer sees the urge among his notifications and asks for an extension.
  const leader = await signedIn('leader');
  await leader.page.goto(`${app.url}/tasks`);
  const notes = await leader.page.locator('#notifications').innerText();
  assert.ok(notes.includes('【催办】') && notes.includes(TASK), notes);
  await leader.page.goto(`${app.url}${taskUrl}`);
  await leader.page.fill('#supervise input[name=deadline]', '2025-11-30');
  await leader.page.fill('#supervise input[name=reason]', '设备到货推迟三周');
  await leader.page.click('#supervise button:has-text("申请延期")');
  await leader.page.waitForLoadState('networkidle');
  await sees(leader.page, '#supervise', '待审批');

  // The office approves it from 督办: the deadline in force moves, the original is shown.
  await office.page.goto(`${app.url}/supervision`);
  await office.page.locator('#extensions a', { hasText: TASK }).click();
  await office.page.waitForURL(/\/tasks\/\d+/);
  await office.page.click('#supervise button:has-text("批准延期")');
  await office.page.waitForLoadState('networkidle');
  const head = await sees(office.page, '.headline', '已延期');
  assert.ok(head.includes('期限 2025-11-30'), head);

  // The claimer completes it with 成效 and a 佐证 file, confirming the irreversible step.
  await leader.page.goto(`${app.url}${taskUrl}`);
  await leader.page.fill('form.complete textarea[name=outcome]', '12 家企业技改项目全部开工，新增设备投资 3.2 亿元');
  await leader.page.setInputFiles('form.complete input[name=files]', {
    name: '技改开工清单.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('技改项目开工清单'),
  });
  await leader.page.check('form.complete input[name=confirm]');
  await leader.page.click('form.complete button:has-text("办结任务")');
  await leader.page.waitForLoadState('networkidle');
  await sees(leader.page, 'h1', '待验收');
  assert.deepEqual(leader.errors, []);
  await leader.context.close();

  // Waiting for acceptance it is not done: the ranking line has not moved past the extension.
  const waiting = await rankingLine(office.page);
  // The office accepts it from the 待验收 list.
  await office.page.locator('#acceptance a', { hasText: TASK }).click();
  await office.page.waitForURL(/\/tasks\/\d+$/);
  await office.page.click('#supervise button:has-text("验收通过")');
  await office.page.waitForLoadState('networkidle');
  await sees(office.page, 'h1', '已完成');
  const afterLine = await rankingLine(office.page);
  assert.notEqual(afterLine, waiting, `accepted: the line changes\n${waiting}\n${afterLine}`);
  assert.notEqual(afterLine, before);
  await office.page.screenshot({ path: path.join(SHOT_DIR, 'supervision-ranking.png'), fullPage: true });

  // The 督办单 prints.
  await office.page.goto(`${app.url}${taskUrl}/sheet`);
  const sheet = await office.page.locator('#sheet').innerText();
  assert.ok(sheet.includes('原定期限') && sheet.includes('催办记录') && sheet.includes('请本周内报送技改进展'), sheet);
  assert.deepEqual(office.errors, []);
  await office.context.close();
});
