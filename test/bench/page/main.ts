// Bench harness page: the app's own worker (workers/engine.worker.ts through src/ui/engine.ts, bundled by
// vite exactly as the app bundles it) driven from Playwright. Each call returns the wall time measured here,
// around the worker job, so the numbers include the comlink round trip the UI pays too.

import { engine, runJob, type JobName } from '../../../src/ui/engine';

interface Timed {
  ms: number;
  result?: unknown;
  error?: { code: string; message: string };
}

/** Blobs/Files are reported by size: they stay in the page (a fix output is not serialized back). */
function plain(v: unknown, depth = 0): unknown {
  if (v instanceof Blob) return { blob: v.size };
  if (depth > 6 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.length > 50 ? { items: v.length, first: v.slice(0, 20).map((x) => plain(x, depth + 1)) } : v.map((x) => plain(x, depth + 1));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x, depth + 1)]));
}

const kept = new Map<string, unknown>();

async function run(name: string, args: unknown[], keep?: string): Promise<Timed> {
  const t0 = performance.now();
  try {
    const result = await runJob(name as JobName, args as never).result;
    const ms = performance.now() - t0;
    if (keep) kept.set(keep, result);
    return { ms, result: plain(result) };
  } catch (e) {
    const err = e as { code?: string; message?: string };
    return { ms: performance.now() - t0, error: { code: String(err.code ?? 'exception'), message: String(err.message ?? e) } };
  }
}

const bench = {
  /** Starts the worker (and its OPFS scratch) outside any timed section. */
  async warm(): Promise<string> {
    return engine().storage();
  },
  /** Opens the file set on #file; resolves with the session id and timings. */
  async open(): Promise<Timed & { sessionId?: string }> {
    const f = (document.getElementById('file') as HTMLInputElement).files?.[0];
    if (!f) throw new Error('no file set on #file');
    const r = await run('open', [f, f.name]);
    const sessionId = (r.result as { sessionId?: string } | undefined)?.sessionId;
    return { ms: r.ms, error: r.error, sessionId, result: { sessionId, images: (r.result as { images?: unknown[] })?.images?.length } };
  },
  /** Any job of the worker API by name (verify, diagnose, fix, ...), with timing. */
  run,
  /** A job whose arguments include the result of an earlier kept job (e.g. fix(plan from diagnose)). */
  async runWithKept(name: string, args: unknown[], keptName: string, at: number, keep?: string): Promise<Timed> {
    const a = [...args];
    a.splice(at, 0, kept.get(keptName));
    return run(name, a, keep);
  },
  /** Memory probe: one stage of the layer read path in a worker of its own (test/bench/page/probe.worker.ts). */
  probe(mode: string): Promise<unknown> {
    const f = (document.getElementById('file') as HTMLInputElement).files?.[0];
    const w = new Worker(new URL('./probe.worker.ts', import.meta.url), { type: 'module' });
    return new Promise((resolve) => {
      w.onmessage = (e) => {
        resolve(e.data);
        w.terminate();
      };
      w.postMessage([f, mode]);
    });
  },
  /** build (issue 4): the open session `baseSid` as base, the file on #rootfs as the app rootfs. */
  async build(baseSid: string): Promise<Timed> {
    const f = (document.getElementById('rootfs') as HTMLInputElement).files?.[0];
    if (!f) throw new Error('no file set on #rootfs');
    return run('build', [{ baseSessionId: baseSid, rootfs: [f], settings: { tags: ['bench'], sourceDateEpoch: 1_700_000_000 } }]);
  },
  /**
   * exportArchive, then the whole composed Blob read through once (what a download or a save-to-disk does with
   * it): the time a user waits for the fixed file, minus the disk write.
   */
  async exportRead(sessionId: string, format: 'oci' | 'docker'): Promise<Timed> {
    const t0 = performance.now();
    try {
      const { blob } = (await runJob('exportArchive' as JobName, [sessionId, format] as never).result) as unknown as { blob: Blob };
      let bytes = 0;
      const reader = blob.stream().getReader();
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
        bytes += r.value.length;
      }
      if (bytes !== blob.size) throw Object.assign(new Error(`read ${bytes} of ${blob.size} bytes`), { code: 'write-failed' });
      return { ms: performance.now() - t0, result: { bytes } };
    } catch (e) {
      const err = e as { code?: string; message?: string };
      return { ms: performance.now() - t0, error: { code: String(err.code ?? 'exception'), message: String(err.message ?? e) } };
    }
  },
};

(window as unknown as { bench: typeof bench }).bench = bench;
document.getElementById('log')!.textContent = 'ready';
