// Helpers for the browser tests (run with `node --test e2e/`).
//
// The app under test is the binary in $ECONOPS_BIN (scripts/test.sh sets it),
// started in demo mode on a fresh database; the browser is Debian's Chromium
// driven by playwright-core. The demo database is loaded once per binary
// (`econops demo --load-only`) and each test gets a copy of it.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.ECONOPS_CHROMIUM || '/usr/bin/chromium';
export const DEMO_PASSWORD = 'econops-demo';

const START_TIMEOUT_MS = 60_000;
const URL_RE = /http:\/\/127\.0\.0\.1:(\d+)/;
const MAX_LOG = 1 << 20;

const TEMPLATE_PREFIX = 'econops-e2e-template-';
const STALE_TEMPLATE_MS = 6 * 3600 * 1000;

/**
 * The demo database as `bin` loads it with the demo's default clock, made once per
 * binary (keyed by its path, size and modification time) and shared by every test
 * file; older binaries' copies are removed after a few hours.
 */
async function demoTemplate(bin) {
  const st = await stat(bin);
  const key = createHash('sha256')
    .update(`${path.resolve(bin)}|${st.size}|${st.mtimeMs}`)
    .digest('hex')
    .slice(0, 16);
  const dir = path.join(tmpdir(), `${TEMPLATE_PREFIX}${key}`);
  const db = path.join(dir, 'demo.db');
  try {
    await stat(db);
    return db;
  } catch {
    // Not made yet.
  }
  for (const name of await readdir(tmpdir())) {
    if (!name.startsWith(TEMPLATE_PREFIX) || name.endsWith(key)) continue;
    const old = path.join(tmpdir(), name);
    const age = Date.now() - (await stat(old).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
    if (age > STALE_TEMPLATE_MS) await rm(old, { recursive: true, force: true });
  }
  const work = await mkdtemp(path.join(tmpdir(), 'econops-e2e-making-'));
  await promisify(execFile)(bin, ['demo', '--db', path.join(work, 'demo.db'), '--load-only'], {
    cwd: work,
    maxBuffer: 1 << 24,
  });
  try {
    await rename(work, dir);
  } catch {
    // Another test file made it meanwhile: use theirs.
    await rm(work, { recursive: true, force: true });
  }
  return db;
}

/**
 * Starts `$ECONOPS_BIN demo` on a fresh copy of the demo database in a temp dir.
 * Resolves to { url, stop, logs, dir } once the app prints its address.
 * Options: `dir` reuses another run's folder (and its database) instead of a fresh one — the
 * caller then removes it; `today` runs the app's clock on that date (YYYY-MM-DD); `keep` leaves
 * the folder in place on stop, so that a later start can reuse it.
 */
export async function startApp({ dir: reuse, today, keep = false } = {}) {
  const bin = process.env.ECONOPS_BIN;
  if (!bin) throw new Error('ECONOPS_BIN is not set (path to the econops binary)');

  const dir = reuse ?? (await mkdtemp(path.join(tmpdir(), 'econops-e2e-')));
  const removeOnStop = !reuse && !keep;
  const db = path.join(dir, 'demo.db');
  if (!reuse && !today) await copyFile(await demoTemplate(bin), db);
  const args = ['demo', '--db', db, '--addr', '127.0.0.1:0'];
  if (today) args.push('--today', today);
  const child = spawn(bin, args, {
    cwd: dir,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  // Keep draining both pipes for the whole life of the process, so the app
  // never blocks on a full pipe.
  let out = '';
  let err = '';
  const append = (buf, chunk) => {
    const s = buf + chunk;
    return s.length > MAX_LOG ? s.slice(-MAX_LOG) : s;
  };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    err = append(err, chunk);
  });
  // The app's output so far (the last `max` characters of each stream).
  const logs = (max = 20_000) =>
    `--- app stdout ---\n${out.slice(-max)}\n--- app stderr ---\n${err.slice(-max)}`;

  let exited = false;
  let spawnError;
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = true;
      resolve({ code, signal });
    });
    // A binary that cannot be started emits 'error' and no 'exit'.
    child.on('error', (e) => {
      spawnError = e;
      exited = true;
      resolve({ code: null, signal: null });
    });
  });
  // Never leave the app running if the test process goes away.
  const killOnExit = () => {
    if (!exited) child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', killOnExit);
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (!exited) child.kill('SIGKILL');
      }, 5_000);
      await exitPromise;
      clearTimeout(timer);
    }
    if (removeOnStop) await rm(dir, { recursive: true, force: true });
  };

  let url;
  try {
    url = await new Promise((resolve, reject) => {
      let pending = '';
      let found = false;
      const timer = setTimeout(() => {
        reject(new Error(`app did not print its address within ${START_TIMEOUT_MS / 1000} s\n${logs()}`));
      }, START_TIMEOUT_MS);
      child.stdout.on('data', (chunk) => {
        out = append(out, chunk);
        if (found) return;
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop();
        for (const line of lines) {
          const m = URL_RE.exec(line);
          if (m) {
            found = true;
            clearTimeout(timer);
            resolve(`http://127.0.0.1:${m[1]}`);
            return;
          }
        }
      });
      exitPromise.then(({ code, signal }) => {
        clearTimeout(timer);
        if (spawnError) {
          reject(new Error(`could not start ${bin}: ${spawnError.message}`));
          return;
        }
        // Let the last output arrive before reporting it.
        setTimeout(() => {
          reject(new Error(`app exited (code ${code}, signal ${signal}) before printing its address\n${logs()}`));
        }, 100);
      });
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, stop, logs, dir };
}

/** Launches headless Chromium (Debian's /usr/bin/chromium). */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Logs in through the login form; throws with the page text if it fails. */
export async function login(page, url, username, password = DEMO_PASSWORD) {
  await page.goto(`${url}/login`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  const leftLogin = page
    .waitForURL((u) => u.pathname !== '/login', { timeout: 15_000 })
    .catch(() => {});
  await page.click('button[type=submit]');
  await leftLogin;
  await page.waitForLoadState('load');
  if (new URL(page.url()).pathname === '/login') {
    const text = await page.locator('body').innerText().catch(() => '');
    throw new Error(`login as ${username} failed: still on /login\n${text}`);
  }
}

/**
 * Waits until the page body contains every string (htmx may load parts of the
 * page after `load`); resolves to the body text. Throws listing what is missing.
 */
export async function waitForBodyText(page, strings, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const text = await page.locator('body').innerText();
    const missing = strings.filter((s) => !text.includes(s));
    if (missing.length === 0) return text;
    if (Date.now() > deadline) {
      throw new Error(`page ${page.url()} lacks ${JSON.stringify(missing)}; its text:\n${text}`);
    }
    await page.waitForTimeout(200);
  }
}
