// End-to-end harness: the production build served by `vite preview` on a free port, driven in Debian's
// Chromium (/usr/bin/chromium) through playwright-core — never a downloaded browser. Every request the
// browser makes is recorded; anything that is not this preview server fails the test (the page must make
// no network requests to other origins). A host-resolver rule also keeps Chromium itself off the network.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { preview, type PreviewServer } from 'vite';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Flags every headless run here needs: no sandbox as root, and none of Chromium's own network chatter. */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// Same rule as scripts/start.mjs: rebuild when any build input is newer than dist/index.html, so the tests
// never pass against yesterday's build.
const BUILD_INPUTS = ['src', 'workers', 'public', 'scripts/make-sample.ts', 'index.html', 'vite.config.ts', 'package.json'];
function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = st.mtimeMs;
  for (const name of readdirSync(path)) if (name !== 'sample') t = Math.max(t, newest(join(path, name)));
  return t;
}

/** Builds when dist/ is missing or stale, or when E2E_BUILD=1 asks for a fresh build. */
export function ensureBuilt(): void {
  const index = join(ROOT, 'dist/index.html');
  const built = existsSync(index) && existsSync(join(ROOT, 'dist/sample/sample-image.tar')) ? statSync(index).mtimeMs : 0;
  const stale = !built || BUILD_INPUTS.some((p) => newest(join(ROOT, p)) > built);
  if (!stale && process.env.E2E_BUILD !== '1') return;
  // vitest sets NODE_ENV=test, which vite would keep, compiling Svelte in dev mode: test the real build.
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  if (r.status !== 0) throw new Error(`npm run build failed (exit ${r.status})`);
  if (!statSync(index).isFile()) throw new Error('the build did not write dist/index.html');
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

export interface App {
  url: string;
  context: BrowserContext;
  page: Page;
  /** Requests to anything but the preview server (must stay empty). */
  foreign: string[];
  /** Console errors and uncaught exceptions in the page or its workers (CSP violations land here). */
  problems: string[];
  /** A fresh page in the same browser profile. */
  newPage(): Promise<Page>;
  /** Stops the preview server (the browser stays): "on a plane". */
  stopServer(): Promise<void>;
  close(): Promise<void>;
}

export async function startApp(opts: { colorScheme?: 'light' | 'dark' } = {}): Promise<App> {
  ensureBuilt();
  const port = await freePort();
  const server: PreviewServer = await preview({
    root: ROOT,
    logLevel: 'error',
    preview: { host: '127.0.0.1', port, strictPort: true, open: false },
  });
  const url = `http://127.0.0.1:${port}/`;
  const origin = new URL(url).origin;

  const profile = mkdtempSync(join(tmpdir(), 'lw-e2e-profile-'));
  let context: BrowserContext;
  try {
    // A persistent (non-incognito) profile: OPFS quota behaves as for a real user.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      colorScheme: opts.colorScheme ?? 'light',
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
      args: [
        '--headless',
        ...CHROMIUM_FLAGS,
        '--disable-default-apps',
        '--disable-features=Translate,OptimizationHints,MediaRouter',
        `--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1`,
      ],
    });
  } catch (e) {
    await server.close();
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }

  const foreign: string[] = [];
  const problems: string[] = [];
  const isLocal = (u: string) => {
    if (/^(data|blob|about|chrome|chrome-extension|devtools):/.test(u)) return true;
    try {
      return new URL(u).origin === origin;
    } catch {
      return false;
    }
  };
  context.on('request', (req) => {
    if (!isLocal(req.url())) foreign.push(`${req.method()} ${req.url()}`);
  });
  const watched = new WeakSet<Page>();
  const watch = (page: Page) => {
    if (watched.has(page)) return;
    watched.add(page);
    page.on('websocket', (ws) => foreign.push(`WS ${ws.url()}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('worker', (w) => w.on('console', (m) => m.type() === 'error' && problems.push(`worker: ${m.text()}`)));
  };
  context.on('page', watch);
  const page = context.pages()[0] ?? (await context.newPage());
  watch(page);

  return {
    url,
    context,
    page,
    foreign,
    problems,
    newPage: () => context.newPage(),
    stopServer: () => server.close(),
    async close() {
      await context.close().catch(() => {});
      await server.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
