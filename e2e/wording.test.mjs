// Browser test of the interface's wording: signed in as each demo role, every page reachable
// from the role's menu (and the first page of each kind of link on those pages: a task, a
// project, an indicator, a target, a shortfall …) shows no English code to the user. The text a
// user reads is the page's innerText plus the labels drawn in its charts (SVG <text>). On a phone
// (390 px wide) 总览 and 找位置 fit the screen without horizontal scrolling and the header stays
// within 64 px.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, login, startApp } from './support.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHOT_DIR = path.join(ROOT, 'target', 'e2e');

export const ROLES = ['office', 'leader', 'leader2', 'dept', 'jiaoxi', 'fuan', 'manager', 'viewer', 'admin'];

// A code-like word: a run of ASCII letters, digits, '-', '_' or '.' that starts with a letter
// and contains a lower-case letter ("industrial-va", "filing", "kWh", "2025-09" is caught by
// PERIOD_RE below). Upper-case abbreviations that Chinese statistics write in Latin letters
// (GDP, CPI, PPI, USCC) are not codes and pass.
const CODE_RE = /[A-Za-z][A-Za-z0-9_.-]*/g;
// Words a user may legitimately read in Latin letters. Each one is explained; nothing else passes.
export const ALLOWED = new Set([
  // The name of the spreadsheet format on an export link ("导出 Excel").
  'Excel',
  // The office-file format named beside Excel on the attachment field ("PDF、图片、Word、Excel").
  'Word',
  // Part of the proper name of Jiaozhou's enterprise-service app, 胶州惠企e家.
  'e',
]);
// A period written as a code (2025-09) instead of 1–9 月.
const PERIOD_RE = /\b20\d\d-(0[1-9]|1[0-2])\b(?!-\d)/g;

/** The code-like words and code periods in `text`. */
export function offending(text) {
  const found = new Set();
  for (const m of text.matchAll(CODE_RE)) {
    const w = m[0].replace(/[.\-_]+$/, '');
    if (/[a-z]/.test(w) && !ALLOWED.has(w)) found.add(w);
  }
  for (const m of text.matchAll(PERIOD_RE)) found.add(m[0]);
  return [...found];
}

/** What the user reads on the page: its text and the labels of its charts. */
async function visibleText(page) {
  return page.evaluate(() => {
    // An uploaded file's own name (佐证.txt) is the user's data, not a code of ours.
    const files = [...document.querySelectorAll('a[href^="/attachments/"]')];
    for (const a of files) a.style.display = 'none';
    const parts = [document.body.innerText];
    for (const a of files) a.style.display = '';
    for (const t of document.querySelectorAll('svg text')) parts.push(t.textContent || '');
    return parts.join('\n');
  });
}

/** Keep one link per kind (the path with its numbers and last segment generalised). */
function kindOf(pathname) {
  const segs = pathname.split('/').filter(Boolean);
  if (segs.length < 2) return null;
  return segs.map((s, i) => (/^\d+$/.test(s) || i === segs.length - 1 ? '*' : s)).join('/');
}

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

async function settle(page) {
  await page.waitForLoadState('networkidle').catch(() => {});
  // htmx fragments and charts draw after load.
  await page.waitForTimeout(150);
}

for (const role of ROLES) {
  test(`no English code on any page of ${role}`, async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    const problems = [];
    try {
      await login(page, app.url, role);
      await settle(page);
      const origin = new URL(app.url).origin;
      const menu = await page.$$eval('header a[href]', (as) => as.map((a) => a.getAttribute('href')));
      const menuPaths = [...new Set(['/', ...menu.filter((h) => h && h.startsWith('/'))])];
      const visited = new Set();
      const check = async (p) => {
        if (visited.has(p)) return null;
        visited.add(p);
        const resp = await page.goto(`${origin}${p}`);
        await settle(page);
        const status = resp ? resp.status() : 0;
        if (status >= 500) problems.push(`${p}: answered ${status}`);
        const bad = offending(await visibleText(page));
        if (bad.length) problems.push(`${p}: ${bad.join(', ')}`);
        return status;
      };
      for (const p of menuPaths) {
        const status = await check(p);
        if (status === null || status >= 400) continue;
        // One level further: the first link of each kind on the page (skip exports and files).
        const links = await page.$$eval('main a[href]', (as) => as.map((a) => a.getAttribute('href')));
        const kinds = new Set();
        for (const h of links) {
          if (!h || !h.startsWith('/') || h.startsWith('//')) continue;
          const u = new URL(h, origin);
          if (/\.(xlsx|docx|csv|pdf)$/.test(u.pathname) || u.pathname.startsWith('/attachments/')) continue;
          const k = kindOf(u.pathname);
          if (!k || kinds.has(k)) continue;
          kinds.add(k);
          await check(u.pathname + u.search);
        }
      }
      assert.ok(visited.size >= 3, `${role} reached only ${[...visited].join(' ')}`);
      assert.deepEqual(problems, [], `${role} sees codes:\n${problems.join('\n')}`);
    } catch (e) {
      await mkdir(SHOT_DIR, { recursive: true });
      await page.screenshot({ path: path.join(SHOT_DIR, `wording-${role}-failure.png`), fullPage: true }).catch(() => {});
      throw e;
    } finally {
      await context.close();
    }
  });
}

test('on a phone 总览 and 找位置 fit the screen and the header is short', async () => {
  for (const role of ['office', 'leader', 'jiaoxi']) {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN', isMobile: true, hasTouch: true });
    const page = await context.newPage();
    try {
      await login(page, app.url, role);
      for (const p of ['/', '/locate']) {
        await page.goto(`${app.url}${p}`);
        await settle(page);
        const m = await page.evaluate(() => ({
          scroll: document.documentElement.scrollWidth,
          header: document.querySelector('header')?.getBoundingClientRect().height ?? 0,
        }));
        assert.ok(m.scroll <= 390, `${role} ${p}: the page is ${m.scroll} px wide on a 390 px screen`);
        assert.ok(m.header <= 64, `${role} ${p}: the header is ${m.header} px high`);
      }
    } catch (e) {
      await mkdir(SHOT_DIR, { recursive: true });
      await page.screenshot({ path: path.join(SHOT_DIR, `wording-phone-${role}-failure.png`), fullPage: true }).catch(() => {});
      throw e;
    } finally {
      await context.close();
    }
  }
});

test('the code check catches codes and lets Chinese text pass', () => {
  assert.deepEqual(offending('工业增加值 industrial-va 同比'), ['industrial-va']);
  assert.deepEqual(offending('报批 filing'), ['filing']);
  assert.deepEqual(offending('用电量 12 kWh'), ['kWh']);
  assert.deepEqual(offending('2025-09 累计'), ['2025-09']);
  assert.deepEqual(offending('GDP 1,728.04 亿元，CPI 同比 0.5 %，1–9 月，导出 Excel'), []);
});
