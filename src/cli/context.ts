// The Node implementation of CliContext: stdout/stderr, Ctrl-C, a progress bar, opening inputs, writing outputs.

import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { basename, dirname, join } from 'node:path';
import { LwError, formatBytes, openImage, setHashPool, type Deflater, type DeflatePool, type Progress } from '../engine/index';
import { nodeDeflater, nodeScratch, openPath } from '../platform/node';
import type { CliContext } from './command';
import { jsonPieces, streamWriter } from './output';
import { esc, inertJson } from './escape';

export interface CliIO {
  stdout(text: string): void;
  /** Waits until stdout has taken what was written (output.ts); absent in tests. */
  drain?(): Promise<void>;
  /** Aborted when the reader of stdout went away (`| head`): the verb is cancelled and exits 0, quietly. */
  stdoutGone?: AbortSignal;
  stderr(text: string): void;
  stderrIsTTY: boolean;
  /** Scratch directory parent (default: the OS temp dir). */
  scratchDir?: string;
  /** Where layers are deflated (default: this thread). Tests inject a broken one to prove the encoder guard. */
  deflater?: Deflater;
}

export function processIO(): CliIO {
  const gone = new AbortController();
  const out = streamWriter(process.stdout, () => gone.abort());
  return {
    stdout: (t) => out.write(t),
    drain: () => out.drain(),
    stdoutGone: gone.signal,
    stderr: (t) => process.stderr.write(t),
    stderrIsTTY: !!process.stderr.isTTY,
    scratchDir: process.env.LAYERWRIGHT_TMP,
  };
}

export { formatBytes };

/** A one-line bar redrawn at most 10 times a second: label, bytes, percent, MB/s. */
function progressBar(io: CliIO, label: string): Progress {
  const t0 = Date.now();
  let last = 0;
  return (done, total) => {
    const now = Date.now();
    const final = total > 0 && done >= total;
    if (!final && now - last < 100) return;
    last = now;
    const secs = Math.max((now - t0) / 1000, 0.001);
    const rate = `${(done / 1e6 / secs).toFixed(1)} MB/s`;
    const frac = total > 0 ? `${formatBytes(done)} / ${formatBytes(total)} ${((100 * done) / total).toFixed(0).padStart(3)}%` : formatBytes(done);
    io.stderr(`\r\x1b[K${label}: ${frac}  ${rate}`);
    if (final) io.stderr('\r\x1b[K');
  };
}

// One deflate pool per process (threads start on the first layer written; idle ones don't keep Node alive).
let deflater: DeflatePool | undefined;

/** `--level N` of fix and build: the gzip level of the layers written (0-9; default 6). */
export function parseLevel(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d$/.test(String(v))) throw new LwError('invalid-argument', `--level must be a whole number from 0 to 9, not "${String(v)}".`);
  return n;
}

export function makeContext(io: CliIO, signal: AbortSignal): CliContext & { dispose(): Promise<void> } {
  const scratch = nodeScratch(io.scratchDir);
  // verify/diagnose hash large layers on the same threads (idle threads don't keep Node alive).
  // LW_WORKERS=N sizes the pool (default: one thread per core); 0 = everything in the main thread (for the bench).
  if (process.env.LW_WORKERS !== '0') setHashPool((deflater ??= nodeDeflater(Number(process.env.LW_WORKERS) || undefined)));
  const ctx: CliContext & { dispose(): Promise<void> } = {
    // Names, tags and labels come from the image: nothing it holds reaches the terminal raw (escape.ts).
    out: (line) => io.stdout(esc(line) + '\n'),
    outJson(value) {
      for (const piece of jsonPieces(value)) io.stdout(inertJson(piece));
      io.stdout('\n');
    },
    drain: async () => {
      await io.drain?.();
    },
    err: (line) => io.stderr(esc(line) + '\n'),
    tty: io.stderrIsTTY,
    env: { scratch, deflater: io.deflater ?? deflater },
    signal,
    progress: (label) => (io.stderrIsTTY ? progressBar(io, label) : undefined),
    opts: (label) => ({ signal, onProgress: ctx.progress(label) }),
    async openImage(path, opts) {
      const input = await openPath(path);
      const archive = await openImage(input, ctx.env, { ...ctx.opts('open'), ...opts });
      if (io.stderrIsTTY) io.stderr('\r\x1b[K');
      return archive;
    },
    async writeOutput(blob, path, label = 'write') {
      const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.partial`);
      const onProgress = ctx.progress(label);
      let done = 0;
      try {
        const counted = blob.stream().pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, c) {
              if (signal.aborted) throw new LwError('cancelled', 'The operation was cancelled.');
              done += chunk.length;
              onProgress?.(done, blob.size);
              c.enqueue(chunk);
            },
          }),
        );
        await pipeline(Readable.fromWeb(counted as import('node:stream/web').ReadableStream<Uint8Array>), createWriteStream(tmp, { flags: 'wx' }));
        const st = await stat(tmp);
        if (st.size !== blob.size) throw new LwError('write-failed', `Wrote ${st.size} of ${blob.size} bytes to ${path}.`);
        await rename(tmp, path);
      } catch (e) {
        await rm(tmp, { force: true });
        if (e instanceof LwError) throw e;
        const cause = (e as { cause?: unknown }).cause;
        if (cause instanceof LwError) throw cause;
        throw new LwError('write-failed', `Could not write ${path}: ${(e as Error).message}`);
      }
    },
    dispose: () => scratch.dispose(),
  };
  return ctx;
}
