// The engine worker: a thin comlink adapter over src/engine. It owns the opened archives (sessions) and the
// running jobs; the UI thread only posts Files here and gets back plain JSON, so it never touches image bytes.
//
// Adding an operation = its signature in src/protocol.ts (EngineApi) and one `job(async (ctx, ...args) => ...)` entry
// in `api` below. The UI runs it through src/ui/job.svelte.ts (a Job: start, progress, cancel, result, error).

import * as Comlink from 'comlink';
import {
  LwError,
  UnpackCache,
  asLwError,
  compareFilesystems,
  compareSide,
  findInLayers,
  extractFile,
  gateReads,
  ListingCache,
  mergedView,
  openImage,
  packEntries,
  changesByLayer,
  packChanges,
  listPackages,
  previewFile,
  type PreviewTarget,
  wastedSpace,
  sizeTree,
  type SizeNode,
  verify as verifyOp,
  type AnyEntry,
  type LayerListing,
  type ImageArchive,
  type OpOptions,
  type Scratch,
  type VerifyResult,
} from '../src/engine/index';
import type { CompareSide, EngineApi, FolderInput, OpenInput, Opened, ProgressCallback, VerifySummary, WireError } from '../src/protocol';
import { browserScratch } from '../src/platform/browser';
import { summarize } from './summary';
import { Scheduler } from './schedule';
import { browserDeflater } from './deflate-pool';
import { setHashPool, type Deflater } from '../src/engine/index';
import { buildJob } from './build';
import { diagnoseJob, fixJob, exportJob } from './fix';

function verifySummary(r: VerifyResult): VerifySummary {
  return {
    ok: r.ok,
    blobs: r.blobs,
    bytes: r.bytes,
    ms: r.ms,
    problems: r.problems.map((p) => ({
      code:
        p.code === 'layer-unreadable' || p.code === 'name-has-nul' ? 'corrupt'
        : p.code === 'whiteout-escapes' ? 'unsafe-path'
        : p.code === 'unknown-media-type' || p.code === 'unsupported-digest' ? 'unsupported-media-type'
        : p.code,
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
  /** Layer listings (metadata only), read once per session and shared by every view (ops/explore/listings.ts). */
  listings: ListingCache;
}

/** What a job body gets: the opened sessions, the scratch, and OpOptions to hand to engine ops. */
export interface JobContext {
  env: { scratch: Scratch; deflater?: Deflater };
  opts: Required<Pick<OpOptions, 'signal'>> & OpOptions;
  session(id: string): Session;
  addSession(s: Omit<Session, 'cache' | 'listings'>): string;
  /** A background job's read gate (its reads wait while user requests run); for reads not under `opts.signal`. */
  gate?: () => Promise<void>;
}

const sessions = new Map<string, Session>();
const scheduler = new Scheduler();
const jobs = new Map<string, AbortController>();
let scratchPromise: ReturnType<typeof browserScratch> | undefined;
// One pool per core: layers are deflated, and large layers hashed, on every core (workers spawn on first use).
const deflater = browserDeflater();
setHashPool(deflater);
let nextSession = 0;

const PROGRESS_INTERVAL_MS = 100; // ~10 updates a second is smooth and keeps postMessage traffic negligible

/**
 * How a job is scheduled: `user` = something the person asked for (it goes first: background jobs pause while it
 * runs; `what` names it to them), `background` = the automatic diagnosis (its reads wait for user requests to end),
 * `plain` = neither (open, verify, fix: they share reads or replace the image on screen).
 */
type Priority = { kind: 'user'; what: string } | { kind: 'background' } | { kind: 'plain' };

/** Wraps an op body as a cancellable, scheduled job with throttled progress and errors made plain for the wire. */
function job<A extends unknown[], R>(body: (ctx: JobContext, ...args: A) => Promise<R>, priority: Priority = { kind: 'plain' }) {
  return async (jobId: string, onProgress: ProgressCallback | undefined, ...args: A): Promise<R> => {
    const controller = new AbortController();
    jobs.set(jobId, controller);
    const progress = throttle(onProgress);
    const end = priority.kind === 'user' ? scheduler.begin(priority.what) : undefined;
    const gate =
      priority.kind === 'background'
        ? () =>
            scheduler.idle(
              controller.signal,
              (what) => progress.note(`Paused while ${what.join(' and ')} ${what.length > 1 ? 'run' : 'runs'}`),
              () => progress.note(undefined),
            )
        : undefined;
    if (gate) gateReads(controller.signal, gate);
    try {
      const { scratch } = await (scratchPromise ??= browserScratch());
      const ctx: JobContext = {
        gate,
        env: { scratch, deflater },
        opts: { signal: controller.signal, onProgress: progress.report },
        session(id) {
          const s = sessions.get(id);
          if (!s) throw new LwError('invalid-argument', 'This image is no longer open; open it again.');
          return s;
        },
        addSession(s) {
          const id = `s${++nextSession}`;
          sessions.set(id, { ...s, cache: new UnpackCache(), listings: new ListingCache(s.archive) });
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
      end?.();
      jobs.delete(jobId);
      progress.release();
    }
  };
}

function throttle(cb: ProgressCallback | undefined) {
  let last = 0;
  let pending: [number, number, string | undefined] | undefined;
  let lastSent: [number, number, string | undefined] = [0, 0, undefined];
  return {
    report(done: number, total: number, label?: string) {
      if (!cb) return;
      const now = performance.now();
      pending = [done, total, label];
      if (now - last >= PROGRESS_INTERVAL_MS || done >= total) {
        last = now;
        lastSent = [done, total, label];
        void cb(done, total, label); // fire and forget: never let the UI slow the engine down
        pending = undefined;
      }
    },
    /** Re-sends the last numbers with a new label (a pause says what it waits for; undefined clears it). */
    note(label: string | undefined) {
      if (!cb) return;
      const [done, total] = pending ?? lastSent;
      pending = undefined;
      last = performance.now();
      lastSent = [done, total, label];
      void cb(done, total, label);
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

/** A session's cached listings as mergedView reads them: a merged view chosen again, or compared, reads no layer again. */
function sessionListing(ctx: JobContext, sessionId: string, image: number): LayerListing {
  const { listings } = ctx.session(sessionId);
  return (layer, opts) => listings.get(image, layer, opts);
}

/** Each layer's changes (ops/explore/changes.ts) from the cached listings; a background job's reads are gated. */
async function layerChanges(ctx: JobContext, sessionId: string, image: number) {
  const { listings } = ctx.session(sessionId);
  const all = await listings.all(image, { ...ctx.opts, gate: ctx.gate });
  return packChanges(changesByLayer(all), all.map((_l, i) => listings.tarSize(image, i)));
}

const api = {
  /** Opens an archive (File) or a folder (list of files) and returns a session id with everything to show. */
  open: job(async (ctx, input: OpenInput, name: string): Promise<Opened> => {
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
  build: job(buildJob, { kind: 'user', what: 'the build' }),

  /** Issue 3: problems + offered repairs; the repairs chosen, as a new session; any session as a download. */
  diagnose: job(diagnoseJob, { kind: 'background' }),
  fix: job(fixJob),
  exportArchive: job(exportJob, { kind: 'user', what: 'the download' }),

  /** Files panel: one layer's entries (archive order), the merged filesystem up to a layer (packed as columns), one file's bytes. */
  listLayer: job(async (ctx, sessionId: string, image: number, layer: number) => {
    const listed = await ctx.session(sessionId).listings.get(image, layer, ctx.opts);
    const rows: AnyEntry[] = listed.map((r, i) => ({ ...r, layer, ordinal: i }));
    return packEntries(rows);
  }, { kind: 'user', what: 'the file listing' }),
  mergedView: job(async (ctx, sessionId: string, image: number, upto?: number) =>
    packEntries(await mergedView(ctx.session(sessionId).archive, image, upto, ctx.opts, sessionListing(ctx, sessionId, image))),
    { kind: 'user', what: 'the file listing' },
  ),
  layerChanges: job(layerChanges, { kind: 'user', what: 'the layer changes' }),
  layerChangesInBackground: job(layerChanges, { kind: 'background' }),
  wastedSpace: job(async (ctx, sessionId: string, image: number) => {
    const all = await ctx.session(sessionId).listings.all(image, { ...ctx.opts, gate: ctx.gate });
    let tree: SizeNode | undefined;
    const wasted = wastedSpace(all, 50, (fs) => (tree = sizeTree(fs.entries())));
    return { wasted, tree: tree! };
  }, { kind: 'background' }),
  preview: job(async (ctx, sessionId: string, image: number, target: PreviewTarget, path: string) => {
    const s = ctx.session(sessionId);
    return previewFile(s.archive, s.listings, image, target, path, ctx.env, ctx.opts);
  }, { kind: 'user', what: 'the preview' }),
  packages: job(async (ctx, sessionId: string, image: number) => {
    const s = ctx.session(sessionId);
    return listPackages(s.archive, s.listings, image, ctx.env, { ...ctx.opts, gate: ctx.gate });
  }, { kind: 'background' }),
  extractFile: job(async (ctx, sessionId: string, image: number, layer: number, path: string, ordinal?: number) =>
    extractFile(ctx.session(sessionId).archive, image, layer, path, ctx.env, { ...ctx.opts, ordinal }),
    { kind: 'user', what: 'saving a file' },
  ),

  /** File tree: compare two merged filesystems (Compare, and a layer's Show filter); which layers match a filter. */
  compare: job(async (ctx, before: CompareSide, after: CompareSide) => {
    const read = (s: CompareSide) => compareSide(ctx.session(s.sessionId).archive, s.image, s.upto, ctx.opts, sessionListing(ctx, s.sessionId, s.image));
    return compareFilesystems(await read(before), await read(after));
  }, { kind: 'user', what: 'the compare' }),
  findInLayers: job(async (ctx, sessionId: string, image: number, pattern: string) => {
    const s = ctx.session(sessionId);
    return findInLayers(s.listings, image, s.archive.images[image]?.layers.length ?? 0, pattern, ctx.opts);
  }, { kind: 'user', what: 'the search' }),

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

Comlink.expose(api satisfies EngineApi);
