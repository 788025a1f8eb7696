// Browser test of the claim step (领任务), as a newcomer would do it: the office goes to open a
// shortfall from the top-ranked indicator, is led to the one already open, picks a suggested
// remedy and creates a task; the
// responsible leader claims it on the claim board; a leader outside that track cannot; a
// progress report appears on the timeline; with the clock moved past the deadline the task is
// on the supervision board.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, login, startApp } from './support.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHOT_DIR = path.join(ROOT, 'target', 'e2e');

let browser;
const apps = [];
let dir;

after(async () => {
  await browser?.close().catch(() => {});
  for (const a of apps) await a.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function signedIn(url, user) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await login(page, url, user);
  return { page, context, errors };
}

test('shortfall → remedy → task → claim → progress → supervision', async () => {
  browser = await launchBrowser();
  const first = await startApp({ keep: true });
  apps.push(first);
  dir = first.dir;
  await mkdir(SHOT_DIR, { recursive: true });

  // The office opens a shortfall from the top-ranked indicator.
  const office = await signedIn(first.url, 'office');
  await office.page.goto(`${first.url}/locate`);
  const top = office.page.locator('table.ranked tbody tr').first();
  assert.equal(await top.getAttribute('data-indicator'), 'industrial-va');
  await top.getByRole('link', { name: '开短板', exact: true }).click();
  await office.page.waitForURL(/\/shortfalls\/new/);
  // The demo already opened this indicator's shortfall for the period: the form says so with a
  // link, and a second one is refused with the same link, which leads to the first.
  assert.equal(await office.page.locator('#existing-shortfall a').count(), 1);
  await office.page.fill('textarea[name=analysis]', '链主企业订单下滑，配套企业产能利用率不足七成。');
  await office.page.click('button:has-text("打开短板")');
  await office.page.waitForLoadState('networkidle');
  assert.ok((await office.page.locator('p.error[role=alert]').innerText()).includes('已有未关闭的短板'));
  await office.page.locator('#existing-shortfall a').click();
  await office.page.waitForURL(/\/shortfalls\/\d+$/);
  // It picks the first suggested remedy (open by default) and creates the task from it.
  const remedy = office.page.locator('details.remedy').first();
  const title = `E2E 配套企业稳产扩产 ${Date.now()}`;
  await remedy.locator('input[name=title]').fill(title);
  await remedy.locator('select[name=track_id]').selectOption({ label: '智能家电' });
  await remedy.locator('input[name=deadline]').fill('2025-11-30');
  await remedy.locator('button:has-text("据此新建任务")').click();
  await office.page.waitForURL(/\/tasks\/\d+$/);
  const taskUrl = new URL(office.page.url()).pathname;
  assert.ok((await office.page.locator('h1').innerText()).includes(title));
  assert.ok((await office.page.locator('h1').innerText()).includes('待认领'));
  await office.context.close();

  // A leader outside the track does not see it on the claim board, nor a claim button.
  const outsider = await signedIn(first.url, 'leader2');
  await outsider.page.goto(`${first.url}/tasks/board`);
  assert.equal(await outsider.page.locator(`text=${title}`).count(), 0, 'not on the board of a leader outside the track');
  await outsider.page.goto(`${first.url}${taskUrl}`);
  assert.equal(await outsider.page.locator('button:has-text("认领任务")').count(), 0);
  await outsider.context.close();

  // The responsible leader sees it on the claim board and claims it.
  const leader = await signedIn(first.url, 'leader');
  await leader.page.goto(`${first.url}/tasks/board`);
  await leader.page.locator(`a:has-text("${title}")`).click();
  await leader.page.waitForURL(new RegExp(`${taskUrl}$`));
  await leader.page.click('button:has-text("认领任务")');
  await leader.page.waitForLoadState('networkidle');
  const header = await leader.page.locator('.headline').innerText();
  assert.ok(header.includes('已认领') && header.includes('张海涛'), header);
  // A progress report appears on the timeline.
  await leader.page.locator('form:has(button:has-text("报送进展")) textarea[name=body]').fill('走访 6 家配套企业，协调用电增容 2 项。');
  await leader.page.click('button:has-text("报送进展")');
  await leader.page.waitForURL(/#timeline$/);
  const timeline = await leader.page.locator('#timeline').innerText();
  assert.ok(timeline.includes('走访 6 家配套企业，协调用电增容 2 项。'), timeline);
  await leader.page.screenshot({ path: path.join(SHOT_DIR, 'task.png'), fullPage: true });
  assert.deepEqual(leader.errors, []);
  await leader.context.close();
  await first.stop();

  // The clock moves past the deadline: the task is on the supervision board.
  const later = await startApp({ dir, today: '2025-12-05' });
  apps.push(later);
  const office2 = await signedIn(later.url, 'office');
  await office2.page.click('nav.mainnav >> text=督办');
  await office2.page.waitForURL(/\/supervision/);
  const row = office2.page.locator('table.tasks tr', { hasText: title });
  assert.equal(await row.count(), 1, 'on the supervision board');
  assert.ok((await row.innerText()).includes('已逾期'));
  await office2.page.screenshot({ path: path.join(SHOT_DIR, 'supervision.png'), fullPage: true });
  await office2.context.close();
});
