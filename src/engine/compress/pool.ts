// The worker pool (issue 11): one worker per core — Web Workers in the browser, worker_threads under Node; the
// platform supplies `spawn`, so the engine stays free of either API. It runs two kinds of job:
//
// - deflate: one chunk of the chunked gzip encoder (gzip.ts) on whichever worker is idle; deflateChunk there gives
//   the same bytes as in the calling thread. gzipStream bounds the chunks in flight (4 per worker); a worker gets at most 2 at a time.
// - hash: a SHA-256/512 stream (digest/pool-hash.ts) whose state lives in one worker, so its chunks go, in order,
//   through a `channel` pinned to that worker; each stream bounds its own chunks in flight.
// - gunzip: the same, for the decode guard's stream (gunzip-hash.ts): gzip in, inflated by the platform's native
//   decoder in the worker and hashed there. It is asynchronous: a worker serves its messages one after another.
//
// A worker answers its messages in the order it got them, so each slot keeps a FIFO of what it was sent.
// Buffers are transferred, not copied, once a worker has answered once; until then they are cloned, so that
// work sent to a worker that never starts (a browser without nested workers, a blocked script) can be redone in
// the calling thread — the pool then stops spawning and works inline: same bytes, same digests, one core.

import { LwError } from '../errors';
import { deflateChunk, type DeflateJob, type DeflatedChunk } from './deflate-chunk';
import { newHasher, type DigestAlgorithm, type Hasher } from '../digest/algorithm';
import type { Deflater } from './gzip';
import { gunzipHash, type GunzipHash } from './gunzip-hash';
import { crc32Hasher } from './crc32';

/**
 * A stream job: `data` is added to stream `id` (created on first use); `end` answers its hex (and, for gunzip, the
 * decoded size) and forgets it. `hash` hashes the bytes; `gunzip` decodes them and hashes what they decode to.
 */
export interface HashJob {
  /** `crc32`: a CRC-32 stream (its hex is the CRC's 8 hex digits; `alg` is ignored). */
  op: 'hash' | 'gunzip' | 'crc32';
  id: number;
  alg: DigestAlgorithm;
  data?: Uint8Array;
  end?: boolean;
  /** Forget the stream without answering its digest (a cancelled read). */
  drop?: boolean;
}

/** What the pool sends a worker: a deflate job (no `op`, as before hash jobs existed) or a hash job. */
export type PoolJob = DeflateJob | HashJob;

/** The message a worker answers, one per job in order: the chunk, a hash ack (`hex` at the end), or why it failed. */
export type PoolReply = DeflatedChunk | { hashed: true; hex?: string; size?: number; back?: Uint8Array } | { error: string };
/** @deprecated the old name, kept for callers of the deflate-only pool. */
export type DeflateReply = PoolReply;

/** One worker as the pool sees it (a thin wrapper over Worker or worker_threads.Worker). */
export interface PoolWorker {
  post(job: PoolJob, transfer: ArrayBuffer[]): void;
  /** Called once: `reply` for every answer, `fail` if the worker dies. */
  listen(reply: (r: PoolReply) => void, fail: (e: unknown) => void): void;
  /** Whether the worker keeps a Node process alive (a no-op in browsers). */
  busy?(on: boolean): void;
  terminate(): void;
}

const isHash = (j: PoolJob): j is HashJob => (j as HashJob).op !== undefined;

export interface Served {
  reply: PoolReply;
  transfer: ArrayBuffer[];
}

/**
 * The worker side: one per worker (it holds that worker's stream states). Returns the reply and what to transfer;
 * a gunzip job answers later, so the worker must serve its messages one after another (workers/deflate.worker.ts).
 */
export function poolServer(): (job: PoolJob) => Served | Promise<Served> {
  const states = new Map<number, Hasher>();
  const gunzips = gunzipServer();
  return (job) => {
    if (isHash(job) && job.op === 'gunzip') return gunzips(job);
    try {
      if (!isHash(job)) {
        const r = deflateChunk(job);
        return { reply: r, transfer: [r.piece.buffer as ArrayBuffer] };
      }
      if (job.drop) {
        states.delete(job.id);
        return { reply: { hashed: true }, transfer: [] };
      }
      let h = states.get(job.id);
      if (!h) states.set(job.id, (h = job.op === 'crc32' ? crc32Hasher() : newHasher(job.alg)));
      if (job.data) h.update(job.data);
      // The bytes go back to the stream, which reuses the buffer for its next batch: a fixed set of buffers per
      // stream, nothing left for either side's garbage collector (which runs late in a busy worker).
      const back = giveBack(job.data);
      if (!job.end) return { reply: back ? { hashed: true, back } : { hashed: true }, transfer: back ? [back.buffer as ArrayBuffer] : [] };
      states.delete(job.id);
      return { reply: { hashed: true, hex: h.hex() }, transfer: [] };
    } catch (e) {
      if (isHash(job)) states.delete(job.id);
      return { reply: { error: e instanceof Error ? e.message : String(e) }, transfer: [] };
    }
  };
}

const giveBack = (data?: Uint8Array) => (data && transferable(data).length ? data : undefined);

/** The worker side of gunzip streams: a failed stream answers its error to every later message until it ends. */
function gunzipServer(): (job: HashJob) => Promise<Served> {
  const states = new Map<number, { g: GunzipHash; failed?: string }>();
  return async (job) => {
    let st = states.get(job.id);
    if (job.drop) {
      st?.g.abort();
      states.delete(job.id);
      return { reply: { hashed: true }, transfer: [] };
    }
    if (!st) states.set(job.id, (st = { g: gunzipHash(job.alg) }));
    if (job.end) states.delete(job.id);
    try {
      if (st.failed) throw new Error(st.failed);
      if (job.data) await st.g.update(job.data);
      if (job.end) {
        const r = await st.g.end();
        return { reply: { hashed: true, hex: r.hex, size: r.size }, transfer: [] };
      }
      const back = giveBack(job.data);
      return { reply: back ? { hashed: true, back } : { hashed: true }, transfer: back ? [back.buffer as ArrayBuffer] : [] };
    } catch (e) {
      st.failed ??= e instanceof Error ? e.message : String(e);
      st.g.abort();
      return { reply: { error: st.failed }, transfer: [] };
    }
  };
}

const defaultServer = poolServer();
/** The worker side of a deflate job (kept for the deflate-only callers). */
export const serveDeflate = (job: DeflateJob) => defaultServer(job) as Served;

/** Buffers that can be handed over without copying: typed arrays that own all of their buffer. */
export function transferable(...arrays: (Uint8Array | undefined)[]): ArrayBuffer[] {
  return arrays
    .filter((a): a is Uint8Array => !!a && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.byteLength > 0)
    .map((a) => a.buffer as ArrayBuffer);
}

/** Rejection of a channel's job whose worker never started: the caller redoes its work in the calling thread. */
export class WorkerNeverStarted extends Error {}

/** Jobs in order on one worker (a hash stream's state lives there). */
export interface PoolChannel {
  /**
   * Sends a job; resolves with its reply. `transfer` is honoured once the worker has proven itself; until then the
   * job is cloned (so the caller still has its bytes to redo the work if the worker never starts).
   */
  send(job: HashJob, transfer: ArrayBuffer[]): Promise<PoolReply>;
  /** Whether `transfer` is honoured (the worker has answered before). */
  readonly proven: boolean;
  /** The stream is done with this worker (it counts for spreading the next streams). */
  release(): void;
}

export interface WorkerPool extends Deflater {
  /** A channel to the least busy worker, or undefined when the pool works inline (no workers). */
  channel(): PoolChannel | undefined;
  /** Terminates the workers; later jobs spawn new ones. */
  close(): void;
}
/** The old name: the pool deflates (and hashes). */
export type DeflatePool = WorkerPool;

interface Task {
  job: PoolJob;
  resolve: (r: PoolReply) => void;
  reject: (e: unknown) => void;
  /** Buffers the job may transfer (once the worker is proven). */
  transfer: ArrayBuffer[];
}

interface Slot {
  w: PoolWorker;
  /** Sent and not yet answered, in order. */
  pending: Task[];
  /** Has answered once. Until then its jobs are copied, not transferred, so they can be redone here. */
  proven: boolean;
  /** Hash streams pinned to it. */
  streams: number;
  /** Deflate chunks sent and not yet answered. */
  deflates: number;
}

/**
 * A pool of `size` workers, spawned on first use. Where workers cannot be made or never start, deflate jobs run
 * in the calling thread, and channel() answers undefined (hash streams hash here).
 */
export function workerPool(spawn: () => PoolWorker, size: number): WorkerPool {
  const n = Math.max(1, Math.floor(size));
  const slots: Slot[] = [];
  const queue: Task[] = []; // deflate jobs waiting for an idle worker
  let inline = false;
  const runInline = (t: Task) => {
    try {
      t.resolve(deflateChunk(t.job as DeflateJob));
    } catch (e) {
      t.reject(e);
    }
  };

  // A deflate chunk that fails fails its layer (encoder-failed, as the guard's); a hash that fails is the pool's;
  // a gunzip stream that answers an error is the decode guard refusing the layer (encoder-failed).
  const fail = (why: string, job?: PoolJob, answered = false) =>
    job && isHash(job)
      ? answered && job.op === 'gunzip'
        ? new LwError('encoder-failed', `The compressed layer does not decode to the layer that was written (the decoder says: ${why}); nothing was saved.`)
        : new LwError('worker-failed', `A hashing worker failed: ${why}`)
      : new LwError('encoder-failed', `A deflate worker failed: ${why}`);
  const start = (): Slot => {
    const slot: Slot = { w: spawn(), pending: [], proven: false, streams: 0, deflates: 0 };
    slot.w.listen(
      (r) => {
        const t = slot.pending.shift();
        if (t && !isHash(t.job)) slot.deflates--;
        slot.proven = true;
        if (!slot.pending.length) slot.w.busy?.(false);
        if (t) {
          if ('error' in r) t.reject(fail(r.error, t.job, true));
          else t.resolve(r);
        }
        pump();
      },
      (e) => {
        // A dead worker: fail its jobs, replace it on the next one. (Also reached after terminate(): ignored.)
        const i = slots.indexOf(slot);
        if (i < 0) return;
        slots.splice(i, 1);
        slot.w.terminate();
        const lost = slot.pending.splice(0);
        if (!slot.proven) {
          // It never worked: stop spawning; its deflate chunks (still ours: they were copied) are redone here,
          // its hash streams redo theirs.
          inline = true;
          for (const t of lost) isHash(t.job) ? t.reject(new WorkerNeverStarted('no worker')) : runInline(t);
        } else {
          const why = e instanceof Error ? e.message : String(e);
          for (const t of lost) t.reject(fail(why, t.job));
        }
        pump();
      },
    );
    slots.push(slot);
    return slot;
  };
  const send = (slot: Slot, t: Task) => {
    slot.pending.push(t);
    if (!isHash(t.job)) slot.deflates++;
    slot.w.busy?.(true);
    try {
      slot.w.post(t.job, slot.proven ? t.transfer : []);
    } catch (e) {
      slot.pending.splice(slot.pending.indexOf(t), 1);
      if (!isHash(t.job)) slot.deflates--;
      t.reject(fail(e instanceof Error ? e.message : String(e), t.job));
    }
  };
  /**
   * Where the next deflate chunk goes: an idle worker, else a new one while there is room, else the one with the
   * fewest messages among those with under 2 chunks in flight, even if it is busy with hash or guard batches. (Only
   * idle workers used to take chunks: while the guard and digest streams kept every worker busy the chunks waited.)
   */
  const pick = (): Slot | undefined => {
    const idle = slots.find((s) => !s.pending.length);
    if (idle) return idle;
    if (slots.length < n && !inline) {
      try {
        return start();
      } catch {
        inline = true;
      }
    }
    return slots.filter((s) => s.deflates < 2).reduce<Slot | undefined>((a, b) => (!a || b.pending.length < a.pending.length ? b : a), undefined);
  };
  const pump = () => {
    while (queue.length) {
      const slot = pick();
      if (!slot) {
        if (inline && !slots.length) for (const t of queue.splice(0)) runInline(t);
        return;
      }
      send(slot, queue.shift()!);
    }
  };
  return {
    concurrency: n,
    slowStart: true,
    deflate(job) {
      return new Promise<DeflatedChunk>((resolve, reject) => {
        queue.push({ job, resolve: resolve as (r: PoolReply) => void, reject, transfer: transferable(job.data, job.dict) });
        pump();
      });
    },
    channel() {
      if (inline) return undefined;
      // Streams spread over the workers (verify's two hashes on two cores): the one with the fewest streams, a new
      // one while there is room and every worker has some.
      let slot = slots.reduce<Slot | undefined>((a, b) => (!a || b.streams < a.streams ? b : a), undefined);
      if (!slot || (slot.streams > 0 && slots.length < n)) {
        try {
          slot = start();
        } catch {
          inline = true;
          if (!slot) return undefined;
        }
      }
      if (!slot) return undefined;
      const pinned = slot;
      pinned.streams++;
      let released = false;
      return {
        release() {
          if (!released) pinned.streams--;
          released = true;
        },
        get proven() {
          return slot.proven;
        },
        send(job, transfer) {
          return new Promise<PoolReply>((resolve, reject) => {
            if (!slots.includes(slot)) {
              // The worker died since: a stream pinned to it cannot go on (its state is gone).
              reject(slot.proven ? fail('the worker holding this hash stopped', job) : new WorkerNeverStarted('no worker'));
              return;
            }
            send(slot, { job, resolve, reject, transfer });
          });
        },
      };
    },
    close() {
      for (const s of slots.splice(0)) {
        s.w.terminate();
        for (const t of s.pending.splice(0)) t.reject(new LwError('cancelled', 'The operation was cancelled.'));
      }
    },
  };
}

/** The old name of workerPool. */
export const deflatePool = workerPool;
