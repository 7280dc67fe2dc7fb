// Reading a whole stored Blob as a stream. `Blob.stream()` hands out 64 KiB chunks; in Chromium a worker that is
// busy for a whole multi-GB read lets them pile up before they are collected, so the renderer's RSS grows with the
// blob (about a quarter of the bytes read, measured in test/bench/RESULTS.md). Reading the same bytes as large
// `blob.slice(a, b).arrayBuffer()` pieces — few, large, short-lived buffers — cut that growth by 40–56% at 1 GiB and
// up for a 4–6% speed cost; what remains is the DecompressionStream's own output chunks (see RESULTS.md).
// 8 MiB pieces rather than 4: each read is a round trip through the browser process; with 2 MiB hash batches
// (digest/pool-hash.ts) verify of the bench's 403 MiB layer took ~9 % less time and CPU (5.2–5.9 s against
// 5.6–6.6 s in runs taken in turn), for ~50 MiB more held at the peak, the same at every layer size.

import { LwError, asLwError } from './errors';

/** Bytes per read: large enough to amortise a read's cost, small enough to bound what is held at once. */
export const SLICE_CHUNK = 8 * 1024 * 1024;

export interface SliceStreamOptions {
  /** Bytes per read (default SLICE_CHUNK). */
  chunk?: number;
  /** Aborting errors the stream with `cancelled`; a read in flight is let go. */
  signal?: AbortSignal;
}

/**
 * Read gates, keyed by an op's AbortSignal (the one thing every read of an op is already given). The browser worker
 * registers one for its automatic diagnosis so the user's own requests go first: each 8 MiB read of that op waits
 * for the gate, which pauses the whole pull pipeline behind it (decompression, tar parsing) until the worker resumes it.
 */
const readGates = new WeakMap<AbortSignal, () => Promise<void> | void>();

/** Makes every sliceStream read under `signal` wait for `gate()` first (see readGates). */
export function gateReads(signal: AbortSignal, gate: () => Promise<void> | void): void {
  readGates.set(signal, gate);
}

/**
 * The whole blob as a pull-based stream of `blob.slice(pos, pos + chunk).arrayBuffer()` reads: one read in flight at
 * a time, and at most two reads ahead of the consumer (so disk and consumer overlap; with one, fix and verify
 * waited for reads: measured 0.5–1 s of a 10 s fix). A read that fails (a picked
 * File changed or removed on disk: NotReadableError) or that returns nothing before the end errors the stream with
 * `truncated`. A read may return less than asked (the next one continues from there).
 */
export function sliceStream(blob: Blob, opts: SliceStreamOptions = {}): ReadableStream<Uint8Array> {
  const { signal } = opts;
  const chunk = Math.max(1, Math.floor(opts.chunk ?? SLICE_CHUNK));
  const size = blob.size;
  let pos = 0;
  let finished = false;
  let onAbort: (() => void) | undefined;
  const done = () => {
    finished = true;
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  };
  return new ReadableStream<Uint8Array>(
    {
      start(ctrl) {
        if (!signal) return;
        onAbort = () => {
          if (finished) return;
          done();
          ctrl.error(new LwError('cancelled', 'The operation was cancelled.'));
        };
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      },
      async pull(ctrl) {
        if (finished) return;
        if (pos >= size) {
          done();
          ctrl.close();
          return;
        }
        const gate = signal && readGates.get(signal);
        if (gate) await gate();
        if (finished) return;
        let buf: ArrayBuffer;
        try {
          buf = await blob.slice(pos, pos + chunk).arrayBuffer();
          if (buf.byteLength === 0) throw new Error(`no bytes at offset ${pos} of ${size}`);
        } catch (e) {
          if (finished) return;
          done();
          ctrl.error(readError(e));
          return;
        }
        if (finished) return; // cancelled or aborted while the read was in flight
        pos += buf.byteLength;
        ctrl.enqueue(new Uint8Array(buf));
      },
      cancel() {
        done();
      },
    },
    { highWaterMark: 2 },
  );
}

function readError(e: unknown): LwError {
  if (e instanceof LwError) return e;
  const name = (e as { name?: string } | null)?.name;
  if (name === 'AbortError') return asLwError(e);
  return new LwError('truncated', `The file could not be read (changed or removed on disk?): ${String((e as Error)?.message ?? e)}`);
}
