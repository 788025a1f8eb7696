// Saves each demo role's first screen (the page it lands on after signing in) at 1366 and
// 390 px wide into docs/screenshots/<role>-<width>.png.
//
//   node scripts/screenshots.mjs                 starts `$ECONOPS_BIN demo` (default
//                                                target/debug/econops) on a fresh database
//   ECONOPS_BASE_URL=http://127.0.0.1:8080 node scripts/screenshots.mjs   uses a running demo
//
// Environment: ECONOPS_BASE_URL (a running demo; otherwise one is started), ECONOPS_BIN,
// ECONOPS_CHROMIUM (browser, default /usr/bin/chromium), ECONOPS_SHOT_DIR (output folder),
// ECONOPS_ROLES (comma-separated logins, default every demo role).
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, login, startApp } from '../e2e/support.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = process.env.ECONOPS_SHOT_DIR || path.join(ROOT, 'docs', 'screenshots');
const ROLES = (process.env.ECONOPS_ROLES || 'office,leader,leader2,dept,jiaoxi,fuan,manager,viewer,admin')
  .split(',')
  .map((r) => r.trim())
  .filter(Boolean);
const WIDTHS = [
  { width: 1366, height: 768 },
  { width: 390, height: 844 },
];

process.env.ECONOPS_BIN ||= path.join(ROOT, 'target', 'debug', 'econops');
let app;
let base = process.env.ECONOPS_BASE_URL;
if (!base) {
  app = await startApp();
  base = app.url;
}
const browser = await launchBrowser();
try {
  await mkdir(OUT, { recursive: true });
  for (const role of ROLES) {
    // One sign-in per role (sign-ins are throttled); the same page is then shot at each width.
    const context = await browser.newContext({ viewport: { width: WIDTHS[0].width, height: WIDTHS[0].height }, locale: 'zh-CN' });
    const page = await context.newPage();
    try {
      await login(page, base, role);
      const first = page.url();
      for (const w of WIDTHS) {
        await page.setViewportSize({ width: w.width, height: w.height });
        await page.goto(first);
        await page.waitForLoadState('networkidle').catch(() => {});
        await page.waitForTimeout(300);
        const file = path.join(OUT, `${role}-${w.width}.png`);
        await page.screenshot({ path: file, fullPage: false });
        console.log(`${file}  (${new URL(first).pathname})`);
      }
    } finally {
      await context.close();
    }
  }
} finally {
  await browser.close();
  await app?.stop();
}
