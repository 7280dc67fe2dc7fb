// A pool of deflate workers behind the Deflater interface (gzip.ts): Web Workers in the browser, worker_threads
// under Node — the platform supplies `spawn`, so the engine stays free of either API. Each worker deflates one
// chunk at a time with deflateChunk, so the bytes are the same as in the calling thread; chunks are transferred,
// not copied. The number of chunks in flight is bounded by gzipStream (2 per worker), so the queue here is too.

import { LwError } from '../errors';
import { deflateChunk, type DeflateJob, type DeflatedChunk } from './deflate-chunk';
import type { Deflater } from './gzip';

/** The message a deflate worker answers: the chunk, or why it failed. */
export type DeflateReply = DeflatedChunk | { error: string };

/** One worker as the pool sees it (a thin wrapper over Worker or worker_threads.Worker). */
export interface PoolWorker {
  post(job: DeflateJob, transfer: ArrayBuffer[]): void;
  /** Called once: `reply` for every answer, `fail` if the worker dies. */
  listen(reply: (r: DeflateReply) => void, fail: (e: unknown) => void): void;
  /** Whether the worker keeps a Node process alive (a no-op in browsers). */
  busy?(on: boolean): void;
  terminate(): void;
}

/** The worker side: deflates one job; returns the reply and the buffers to transfer back. */
export function serveDeflate(job: DeflateJob): { reply: DeflateReply; transfer: ArrayBuffer[] } {
  try {
    const r = deflateChunk(job);
    return { reply: r, transfer: [r.piece.buffer as ArrayBuffer] };
  } catch (e) {
    return { reply: { error: e instanceof Error ? e.message : String(e) }, transfer: [] };
  }
}

/** Buffers that can be handed over without copying: typed arrays that own all of their buffer. */
function transferable(...arrays: Uint8Array[]): ArrayBuffer[] {
  return arrays
    .filter((a) => a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.byteLength > 0)
    .map((a) => a.buffer as ArrayBuffer);
}

export interface DeflatePool extends Deflater {
  /** Terminates the workers; later jobs spawn new ones. */
  close(): void;
}

interface Task {
  job: DeflateJob;
  resolve: (r: DeflatedChunk) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  w: PoolWorker;
  task?: Task;
  /** Has answered once. Until then its jobs are copied, not transferred, so they can be redone here. */
  proven: boolean;
}

/**
 * A pool of `size` workers, spawned on first use. Where workers cannot be made or never start (a browser without
 * nested workers, a blocked script), the pool deflates in the calling thread instead — same bytes, one core.
 */
export function deflatePool(spawn: () => PoolWorker, size: number): DeflatePool {
  const n = Math.max(1, Math.floor(size));
  const slots: Slot[] = [];
  const queue: Task[] = [];
  let inline = false;
  const runInline = (t: Task) => {
    try {
      t.resolve(deflateChunk(t.job));
    } catch (e) {
      t.reject(e);
    }
  };

  const fail = (why: string) => new LwError('encoder-failed', `A deflate worker failed: ${why}`);
  const start = (): Slot => {
    const slot: Slot = { w: spawn(), proven: false };
    slot.w.listen(
      (r) => {
        const t = slot.task;
        slot.task = undefined;
        slot.proven = true;
        slot.w.busy?.(false);
        if (t) {
          if ('error' in r) t.reject(fail(r.error));
          else t.resolve(r);
        }
        pump();
      },
      (e) => {
        // A dead worker: fail its chunk, replace it on the next job. (Also reached after terminate(): ignored.)
        const i = slots.indexOf(slot);
        if (i < 0) return;
        slots.splice(i, 1);
        slot.w.terminate();
        const t = slot.task;
        slot.task = undefined;
        if (!slot.proven) {
          // It never worked: stop spawning, redo its chunk (still ours: it was copied) and the rest here.
          inline = true;
          if (t) runInline(t);
        } else t?.reject(fail(e instanceof Error ? e.message : String(e)));
        pump();
      },
    );
    slots.push(slot);
    return slot;
  };
  const pump = () => {
    while (queue.length) {
      let slot = slots.find((s) => !s.task);
      if (!slot && slots.length < n && !inline) {
        try {
          slot = start();
        } catch {
          inline = true;
        }
      }
      if (!slot) {
        if (inline && !slots.length) for (const t of queue.splice(0)) runInline(t);
        return;
      }
      const t = queue.shift()!;
      slot.task = t;
      slot.w.busy?.(true);
      try {
        slot.w.post(t.job, slot.proven ? transferable(t.job.data, t.job.dict) : []);
      } catch (e) {
        slot.task = undefined;
        t.reject(fail(e instanceof Error ? e.message : String(e)));
      }
    }
  };
  return {
    concurrency: n,
    slowStart: true,
    deflate(job) {
      return new Promise<DeflatedChunk>((resolve, reject) => {
        queue.push({ job, resolve, reject });
        pump();
      });
    },
    close() {
      for (const s of slots.splice(0)) {
        s.w.terminate();
        s.task?.reject(new LwError('cancelled', 'The operation was cancelled.'));
      }
    },
  };
}
