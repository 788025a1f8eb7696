// Browser test of the first screens (首页): the leader signs in and finds the task waiting for
// his claim on his first screen, claims it with one click, and it leaves that list; a link to a
// task followed while signed out returns to that task after signing in.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, login, startApp, waitForBodyText, DEMO_PASSWORD } from './support.mjs';

let browser;
let app;

after(async () => {
  await browser?.close().catch(() => {});
  await app?.stop();
});

async function freshPage() {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, errors };
}

test('the leader claims from his first screen; a followed link survives signing in', async () => {
  browser = await launchBrowser();
  app = await startApp();

  // The leader signs in and lands on 我的赛道与镇街 with the task waiting for his claim.
  const leader = await freshPage();
  await login(leader.page, app.url, 'leader');
  assert.equal(new URL(leader.page.url()).pathname, '/');
  await waitForBodyText(leader.page, ['我的赛道与镇街', '待我认领的任务']);
  const title = '智能家电产业链“订单式”招商';
  const row = leader.page.locator('#to-claim tr', { hasText: title });
  assert.equal(await row.count(), 1, 'the task waits for his claim on his first screen');
  const taskId = await row.getAttribute('data-task');

  // One click claims it and opens the task, now his.
  await row.getByRole('button', { name: '认领' }).click();
  await leader.page.waitForURL(new RegExp(`/tasks/${taskId}$`));
  await waitForBodyText(leader.page, [title, '张海涛']);
  await leader.page.goto(`${app.url}/`);
  assert.equal(await leader.page.locator('#to-claim tr', { hasText: title }).count(), 0);
  assert.equal(await leader.page.locator('#running tr', { hasText: title }).count(), 1);
  assert.deepEqual(leader.errors, []);

  // Signed out, a link to the task leads to sign-in and, after it, to the task.
  const other = await freshPage();
  await other.page.goto(`${app.url}/tasks/${taskId}`);
  assert.equal(new URL(other.page.url()).pathname, '/login');
  await other.page.fill('input[name=username]', 'office');
  await other.page.fill('input[name=password]', DEMO_PASSWORD);
  await Promise.all([
    other.page.waitForURL(new RegExp(`/tasks/${taskId}$`), { timeout: 15_000 }),
    other.page.click('button[type=submit]'),
  ]);
  await waitForBodyText(other.page, [title]);

  // The top bar's search finds the task.
  await other.page.fill('header input[name=q]', '订单式');
  await other.page.press('header input[name=q]', 'Enter');
  await other.page.waitForURL(/\/search\?q=/);
  assert.equal(await other.page.locator(`section[data-kind=task] a[href="/tasks/${taskId}"]`).count(), 1);
  assert.deepEqual(other.errors, []);
});
