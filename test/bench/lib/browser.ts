// Headless Chromium (Debian's /usr/bin/chromium through playwright-core; never a downloaded browser) on the
// bench harness page, served from .tmp/bench/dist by a loopback-only static server. Memory is sampled from
// /proc (the whole Chromium process tree) and from CDP: the page's JS heap and the engine worker's heap.

import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { chromium, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { Sampler, cpuSeconds, descendants, type MemPeak } from './proc';
import { CHROMIUM, CHROMIUM_FLAGS } from '../../e2e/harness';

const FLAGS = CHROMIUM_FLAGS;
const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml', '.webmanifest': 'application/manifest+json', '.tar': 'application/x-tar', '.png': 'image/png' };

export function serve(root: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    let p = normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, '');
    if (p.endsWith('/')) p += 'index.html';
    const file = join(root, p);
    try {
      if (!statSync(file).isFile()) throw new Error();
      res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
      res.end(readFileSync(file));
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const a = server.address();
    resolve({ server, url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/` });
  }));
}

export interface Timed {
  ms: number;
  result?: unknown;
  error?: { code: string; message: string };
}

export interface Measured<T> {
  value: T;
  mem: MemPeak;
  jsHeapPage: number;
  jsHeapWorker: number;
  cpu: number;
}

export class Bench {
  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    private readonly cdp: CDPSession,
    private readonly profile: string,
    private readonly server: Server,
  ) {}

  /** `harness`: the bench page (window.bench); otherwise the real app's start screen, driven through its UI. */
  static async start(distDir: string, harness = true): Promise<Bench> {
    const { server, url } = await serve(distDir);
    const profile = mkdtempSync(join(tmpdir(), 'lw-bench-profile-'));
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(url);
    if (harness) await page.waitForFunction(() => (window as unknown as { bench?: unknown }).bench !== undefined);
    else await page.getByText('Open image', { exact: false }).first().waitFor();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const b = new Bench(context, page, cdp, profile, server);
    await b.attachWorkers();
    return b;
  }

  /** Worker heaps through CDP's (non-flat) target sessions, since the worker has no Performance domain of its own. */
  private workerSessions: string[] = [];
  private nextId = 1;
  private pending = new Map<number, (r: unknown) => void>();
  private async attachWorkers(): Promise<void> {
    this.cdp.on('Target.attachedToTarget', (e: { sessionId: string; targetInfo: { type: string } }) => {
      if (e.targetInfo.type === 'worker') this.workerSessions.push(e.sessionId);
    });
    this.cdp.on('Target.receivedMessageFromTarget', (e: { message: string }) => {
      const m = JSON.parse(e.message) as { id?: number; result?: unknown };
      if (m.id !== undefined) this.pending.get(m.id)?.(m.result), this.pending.delete(m.id);
    });
    try {
      await this.cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
    } catch {
      /* heap of the worker stays unknown */
    }
  }
  /** Forces a full GC in the page and the worker (CDP HeapProfiler.collectGarbage): tells garbage from retention. */
  async collectGarbage(): Promise<void> {
    await this.cdp.send('HeapProfiler.collectGarbage').catch(() => {});
    for (const sessionId of this.workerSessions) {
      const id = this.nextId++;
      const r = new Promise<unknown>((res) => {
        this.pending.set(id, res);
        setTimeout(() => res(undefined), 5000);
      });
      await this.cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method: 'HeapProfiler.collectGarbage' }) }).catch(() => {});
      await r;
    }
  }
  /** One CDP command to every attached worker (the engine worker), e.g. Profiler.start for a tuning profile. */
  async workerSend(method: string, params: object = {}, timeoutMs = 30_000): Promise<unknown[]> {
    const out: unknown[] = [];
    for (const sessionId of this.workerSessions) {
      const id = this.nextId++;
      const r = new Promise<unknown>((res) => {
        this.pending.set(id, res);
        setTimeout(() => res(undefined), timeoutMs);
      });
      await this.cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch(() => {});
      out.push(await r);
    }
    return out;
  }
  private async workerHeap(): Promise<number> {
    let total = 0;
    for (const sessionId of this.workerSessions) {
      const id = this.nextId++;
      const r = new Promise<unknown>((res) => {
        this.pending.set(id, res);
        setTimeout(() => res(undefined), 1000);
      });
      try {
        await this.cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method: 'Runtime.getHeapUsage' }) });
      } catch {
        continue;
      }
      const u = (await r) as { usedSize?: number } | undefined;
      total += u?.usedSize ?? 0;
    }
    return total;
  }
  private async pageHeap(): Promise<number> {
    const m = (await this.cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
    return m.metrics.find((x) => x.name === 'JSHeapUsedSize')?.value ?? 0;
  }

  /** Runs `f` while sampling /proc and the JS heaps every 200 ms. */
  async measure<T>(f: () => Promise<T>): Promise<Measured<T>> {
    const root = process.pid;
    const sampler = new Sampler(root, 200);
    let jsHeapPage = 0;
    let jsHeapWorker = 0;
    let stop = false;
    const heaps = (async () => {
      while (!stop) {
        jsHeapPage = Math.max(jsHeapPage, await this.pageHeap().catch(() => 0));
        jsHeapWorker = Math.max(jsHeapWorker, await this.workerHeap().catch(() => 0));
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const cpu0 = cpuSeconds(descendants(root));
    sampler.start();
    try {
      const value = await f();
      return { value, mem: sampler.stop(), jsHeapPage, jsHeapWorker, cpu: cpuSeconds(descendants(root)) - cpu0 };
    } finally {
      stop = true;
      sampler.stop();
      await heaps;
    }
  }

  async setFile(path: string): Promise<void> {
    await this.page.setInputFiles('#file', path);
  }
  open(): Promise<Timed & { sessionId?: string }> {
    return this.page.evaluate(() => (window as unknown as { bench: { open(): Promise<Timed & { sessionId?: string }> } }).bench.open());
  }
  run(name: string, args: unknown[], keep?: string): Promise<Timed> {
    return this.page.evaluate(
      ([n, a, k]) => (window as unknown as { bench: { run(n: string, a: unknown[], k?: string): Promise<Timed> } }).bench.run(n, a, k),
      [name, args, keep] as const,
    );
  }
  async setRootfs(path: string): Promise<void> {
    await this.page.setInputFiles('#rootfs', path);
  }
  build(baseSid: string): Promise<Timed> {
    return this.page.evaluate((sid) => (window as unknown as { bench: { build(s: string): Promise<Timed> } }).bench.build(sid), baseSid);
  }
  exportRead(sessionId: string, format: 'oci' | 'docker'): Promise<Timed> {
    return this.page.evaluate(
      ([sid, f]) => (window as unknown as { bench: { exportRead(s: string, f: string): Promise<Timed> } }).bench.exportRead(sid, f),
      [sessionId, format] as const,
    );
  }
  warm(): Promise<string> {
    return this.page.evaluate(() => (window as unknown as { bench: { warm(): Promise<string> } }).bench.warm());
  }
  /** Real UI: pick the file with the "Open image" input; done when the Verify button shows. */
  async uiOpen(path: string): Promise<Timed> {
    const t0 = performance.now();
    try {
      await this.page.locator('input[type=file]:not([webkitdirectory])').first().setInputFiles(path);
      await this.page.getByRole('button', { name: 'Verify' }).waitFor({ timeout: 120_000 });
      return { ms: performance.now() - t0 };
    } catch (e) {
      return { ms: performance.now() - t0, error: { code: 'ui', message: (e as Error).message.split('\n')[0] } };
    }
  }
  /** Real UI: the Problems region diagnoses on open; done when its one-line verdict shows. `t0` = when open began. */
  async uiProblems(t0 = performance.now()): Promise<Timed> {
    try {
      const region = this.page.getByRole('region', { name: 'Problems' });
      await region.locator('.verdict').first().waitFor({ timeout: 600_000 }); // shown once the diagnosis has a result
      return { ms: performance.now() - t0 };
    } catch (e) {
      return { ms: performance.now() - t0, error: { code: 'ui', message: (e as Error).message.split('\n')[0] } };
    }
  }
  /** Real UI: click Fix (default repairs); done when the fixed image shows its "Rewritten blobs" table. */
  async uiFix(): Promise<Timed> {
    const t0 = performance.now();
    try {
      await this.page.getByRole('button', { name: 'Fix', exact: true }).click();
      await this.page.getByRole('table', { name: 'Rewritten blobs' }).waitFor({ timeout: 900_000 });
      return { ms: performance.now() - t0 };
    } catch (e) {
      return { ms: performance.now() - t0, error: { code: 'ui', message: (e as Error).message.split('\n')[0] } };
    }
  }
  /** Real UI: click Verify; done when the "Verified" status or the problems alert shows. */
  async uiVerify(): Promise<Timed> {
    const t0 = performance.now();
    try {
      await this.page.getByRole('button', { name: 'Verify' }).click();
      const ok = this.page.getByRole('status').filter({ hasText: 'Verified' });
      const bad = this.page.getByRole('alert').filter({ hasText: /problem/ });
      await ok.or(bad).first().waitFor({ timeout: 600_000 });
      const ms = performance.now() - t0;
      if (await bad.count()) return { ms, error: { code: 'verify', message: (await bad.first().innerText()).slice(0, 200) } };
      return { ms };
    } catch (e) {
      return { ms: performance.now() - t0, error: { code: 'ui', message: (e as Error).message.split('\n')[0] } };
    }
  }

  async close(): Promise<void> {
    await this.context.close();
    this.server.close();
    rmSync(this.profile, { recursive: true, force: true });
  }
}
