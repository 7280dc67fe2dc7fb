// The engine worker: a thin comlink adapter over src/engine. It owns the opened archives (sessions) and the
// running jobs; the UI thread only posts Files here and gets back plain JSON, so it never touches image bytes.
//
// Adding an operation = one `job(async (ctx, ...args) => ...)` entry in `api` below. The UI calls it with
// `runJob('name', [args...])` (src/ui/engine.ts), which supplies the job id and the progress callback.

import * as Comlink from 'comlink';
import { LwError, asLwError, type ErrorCode, type ErrorWhere } from '../src/engine/index';
import type { OpOptions, Scratch } from '../src/engine/index';
import { openImage, type ImageArchive } from '../src/engine/index';
import { verify as verifyOp, type VerifyResult } from '../src/engine/index';
import { UnpackCache } from '../src/engine/index';
import { browserScratch } from '../src/platform/browser';
import { browserDeflater } from './deflate-pool';
import type { Deflater } from '../src/engine/index';
import { summarize, type OpenSummary } from '../src/ui/summary';
import { buildJob } from './build';
import { diagnoseJob, fixJob, exportJob } from './fix';
import { extractFile, listLayer, mergedView, packEntries, type AnyEntry } from '../src/engine/index';

/** Progress as the UI receives it: bytes done/total and what is being worked on. */
export type ProgressCallback = (done: number, total: number, label?: string) => void;
/** An error as it crosses the worker boundary (LwError.toJSON()). */
export interface WireError {
  code: ErrorCode;
  message: string;
  where: ErrorWhere;
}
/** A folder pick or drop: every file with its path relative to the folder picked. */
export type FolderInput = { path: string; file: File }[];
export type OpenInput = File | Blob | FolderInput;

/** Verify's result for the UI: problems as errors (code, message, where) so they read like any other error. */
export interface VerifySummary {
  ok: boolean;
  blobs: number;
  bytes: number;
  ms: number;
  /** `code` is the nearest error code (for the plain-words sentences); `problem` is the problem code proper. */
  problems: (WireError & { problem: VerifyResult['problems'][number]['code']; expected?: string; actual?: string })[];
  /** Uncompressed layer sizes by layer digest, when the engine reports them. */
  uncompressed: Record<string, number>;
}

function verifySummary(r: VerifyResult): VerifySummary {
  return {
    ok: r.ok,
    blobs: r.blobs,
    bytes: r.bytes,
    ms: r.ms,
    problems: r.problems.map((p) => ({
      code: p.code === 'layer-unreadable' ? 'corrupt' : p.code === 'unknown-media-type' || p.code === 'unsupported-digest' ? 'unsupported-media-type' : p.code,
      problem: p.code,
      message: p.message,
      where: { blob: p.blob, layer: p.layer, entry: p.path },
      expected: p.expected,
      actual: p.actual,
    })),
    uncompressed: (r as { uncompressed?: Record<string, number> }).uncompressed ?? {},
  };
}

interface Session {
  name: string;
  archive: ImageArchive;
  /**
   * Layer digests shared between this session's ops: the automatic diagnose and the user's Verify would otherwise
   * both read and hash every layer, competing for the CPU when they overlap (layers/unpack.ts UnpackCache).
   */
  cache: UnpackCache;
}

/** What a job body gets: the opened sessions, the scratch, and OpOptions to hand to engine ops. */
export interface JobContext {
  env: { scratch: Scratch; deflater?: Deflater };
  opts: Required<Pick<OpOptions, 'signal'>> & OpOptions;
  session(id: string): Session;
  addSession(s: Omit<Session, 'cache'>): string;
}

const sessions = new Map<string, Session>();
const jobs = new Map<string, AbortController>();
let scratchPromise: ReturnType<typeof browserScratch> | undefined;
const deflater = browserDeflater(); // layers are deflated on every core (workers spawn on first use)
let nextSession = 0;

const PROGRESS_INTERVAL_MS = 100; // ~10 updates a second is smooth and keeps postMessage traffic negligible

/** Wraps an op body as a cancellable job with throttled progress and errors made plain for the wire. */
function job<A extends unknown[], R>(body: (ctx: JobContext, ...args: A) => Promise<R>) {
  return async (jobId: string, onProgress: ProgressCallback | undefined, ...args: A): Promise<R> => {
    const controller = new AbortController();
    jobs.set(jobId, controller);
    const progress = throttle(onProgress);
    try {
      const { scratch } = await (scratchPromise ??= browserScratch());
      const ctx: JobContext = {
        env: { scratch, deflater },
        opts: { signal: controller.signal, onProgress: progress.report },
        session(id) {
          const s = sessions.get(id);
          if (!s) throw new LwError('invalid-argument', 'This image is no longer open; open it again.');
          return s;
        },
        addSession(s) {
          const id = `s${++nextSession}`;
          sessions.set(id, { ...s, cache: new UnpackCache() });
          return id;
        },
      };
      const result = await body(ctx, ...args);
      progress.flush();
      return result;
    } catch (e) {
      // A plain object, not an Error: comlink would keep only an Error's message and drop code and where.
      const err = controller.signal.aborted ? new LwError('cancelled', 'The operation was cancelled.') : asLwError(e);
      throw err.toJSON() satisfies WireError;
    } finally {
      jobs.delete(jobId);
      progress.release();
    }
  };
}

function throttle(cb: ProgressCallback | undefined) {
  let last = 0;
  let pending: [number, number, string | undefined] | undefined;
  return {
    report(done: number, total: number, label?: string) {
      if (!cb) return;
      const now = performance.now();
      pending = [done, total, label];
      if (now - last >= PROGRESS_INTERVAL_MS || done >= total) {
        last = now;
        void cb(done, total, label); // fire and forget: never let the UI slow the engine down
        pending = undefined;
      }
    },
    flush() {
      if (cb && pending) void cb(...pending);
      pending = undefined;
    },
    release() {
      const proxy = cb as unknown as { [Comlink.releaseProxy]?: () => void } | undefined;
      proxy?.[Comlink.releaseProxy]?.();
    },
  };
}

function folderToMap(files: FolderInput): Map<string, Blob> {
  // Paths keep the picked folder's name as their first segment; openImage looks through a single top folder.
  return new Map(files.map((f) => [f.path.replace(/^\/+/, ''), f.file]));
}

const api = {
  /** Opens an archive (File) or a folder (list of files) and returns a session id with everything to show. */
  open: job(async (ctx, input: OpenInput, name: string): Promise<OpenSummary & { sessionId: string }> => {
    const source = Array.isArray(input) ? folderToMap(input) : input;
    const archive = await openImage(source, ctx.env, ctx.opts);
    const sessionId = ctx.addSession({ name, archive });
    return { sessionId, ...summarize(archive, name) };
  }),

  /** Checks every blob's size and digest and every layer's diff_id; all problems are collected. */
  verify: job(async (ctx, sessionId: string) => {
    const { archive, cache } = ctx.session(sessionId);
    return verifySummary(await verifyOp(archive, { ...ctx.opts, cache }));
  }),

  /** Base image (an open session, or none) + app rootfs Files → a new image, opened as a new session (issue 4). */
  build: job(buildJob),

  /** Issue 3: problems + offered repairs; the repairs chosen, as a new session; any session as a download. */
  diagnose: job(diagnoseJob),
  fix: job(fixJob),
  exportArchive: job(exportJob),

  /** Files panel: one layer's entries (archive order), the merged filesystem up to a layer (packed as columns), one file's bytes. */
  listLayer: job(async (ctx, sessionId: string, image: number, layer: number) => {
    const rows: AnyEntry[] = await listLayer(ctx.session(sessionId).archive, image, layer, ctx.opts);
    rows.forEach((r, i) => ((r.layer = layer), (r.ordinal = i)));
    return packEntries(rows);
  }),
  mergedView: job(async (ctx, sessionId: string, image: number, upto?: number) =>
    packEntries(await mergedView(ctx.session(sessionId).archive, image, upto, ctx.opts)),
  ),
  extractFile: job(async (ctx, sessionId: string, image: number, layer: number, path: string, ordinal?: number) =>
    extractFile(ctx.session(sessionId).archive, image, layer, path, ctx.env, { ...ctx.opts, ordinal }),
  ),

  /** Aborts a running job; its promise then rejects with code 'cancelled'. */
  cancel(jobId: string): void {
    jobs.get(jobId)?.abort();
  },

  /**
   * Forgets an opened archive. When no archive is open and nothing runs, the scratch files go too. (Not per
   * session: an archive made by fix or build reuses blobs of the archive it came from, scratch files included.)
   */
  async close(sessionId: string): Promise<void> {
    sessions.delete(sessionId);
    if (sessions.size === 0 && jobs.size === 0 && scratchPromise) await (await scratchPromise).scratch.clear();
  },

  /** Which scratch storage the worker ended up with, for the status line. */
  async storage(): Promise<'opfs' | 'memory'> {
    return (await (scratchPromise ??= browserScratch())).kind;
  },
};

export type EngineApi = typeof api;

Comlink.expose(api);
