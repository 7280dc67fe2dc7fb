// Decompressed views of layer blobs, as pull-based ReadableStreams: nothing is read ahead of the
// consumer beyond one chunk, and cancelling the stream (or aborting the signal) stops the reads.
//
// gzip from a Blob takes the native DecompressionStream first (3x faster than fflate in Chromium).
// Native inflaters disagree at the edges: Chromium rejects multi-member gzip ("Junk found after end
// of compressed data") and trailing zero padding, Node accepts both. So when the native decoder
// fails for any reason other than plain truncation, the Blob is decoded again from its start by
// GunzipDecoder (fflate + our own member/trailer handling), which is the authority on the verdict;
// the bytes already handed downstream are skipped, so the consumer never notices the switch.

import { LwError, asLwError, throwIfAborted } from '../errors';
import { sliceStream } from '../io';
import { detectCompression, sniffBlob, type Compression } from './detect';
import { GunzipDecoder } from './gunzip';
import { ZstdDecoder } from './zstd';
import { declaredSize, expansionCeiling, expansionGuard, suspicious } from './expansion';

export interface DecompressOptions {
  signal?: AbortSignal;
  /**
   * Makes the native gzip decoder; null means "none available" (decode with fflate only).
   * Defaults to DecompressionStream('gzip') where it exists. Tests replace it to imitate browsers.
   */
  nativeGunzip?: (() => TransformStream<Uint8Array, Uint8Array>) | null;
  /**
   * Where the stored bytes come from; default io.ts sliceStream(blob) (8 MiB slices). Called once per read of the
   * blob, so a second time when gzip restarts with our own
   * decoder (layers/unpack.ts hashes the stored bytes this way).
   */
  open?: () => ReadableStream<Uint8Array>;
  /**
   * Stored bytes read, as increments, for progress. A gzip restart (see above) reads the blob again from its first
   * byte: the abandoned read is taken back first (a negative increment), so the sum is always the bytes consumed.
   * Not used with `open` (whoever opens counts).
   */
  onBytes?: (n: number) => void;
  /**
   * Output past this many bytes ends the stream with `suspicious-expansion` (a decompression bomb is stopped
   * early, not decoded for minutes). Default: limits.ts's ratio and ceiling applied to the blob's size; null: none.
   */
  maxOutput?: number | null;
}

/**
 * Compressed input is fed to the decoders in pieces of at most this size: it bounds the output of
 * one step (DEFLATE expands at most ~1032:1, so ~33 MB for a run of zeros) and is about the
 * fastest piece size for fflate's Inflate.
 */
const PIECE = 32 * 1024;

// Messages native inflaters use for input that simply stops early (Node's zlib, Chromium).
const NATIVE_TRUNCATED = /unexpected end of file|truncated/i;

interface Decoder {
  push(chunk: Uint8Array): void;
  finish(): void;
  /** Decoders that queue input (zstd) decode a bounded piece per call; false when nothing is queued. */
  step?(): boolean;
}

interface Source {
  /** One or more output chunks, or null at the end. Throws LwError. */
  next(signal?: AbortSignal): Promise<Uint8Array[] | null>;
  cancel(): void;
}

function makeDecoder(kind: Compression, emit: (c: Uint8Array) => void): Decoder {
  switch (kind) {
    case 'gzip':
      return new GunzipDecoder(emit);
    case 'zstd':
      return new ZstdDecoder(emit);
    case 'none':
      return { push: emit, finish() {} };
    case 'bzip2':
    case 'xz':
      throw new LwError(
        'unsupported-media-type',
        `This data is ${kind}-compressed; layerwright reads only gzip, zstd and uncompressed layers.`,
      );
    default:
      throw new LwError('invalid-argument', `Unknown compression "${String(kind)}".`);
  }
}

/** Pulls compressed input through a decoder, dropping the first `skip` bytes of output. */
class DecodePump implements Source {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder: Decoder;
  private out: Uint8Array[] = [];
  private rest: Uint8Array | null = null;
  private ended = false;

  private readonly piece: number;

  constructor(src: ReadableStream<Uint8Array>, kind: Compression, private skip = 0) {
    this.decoder = makeDecoder(kind, (c) => this.take(c));
    this.piece = kind === 'none' ? Infinity : PIECE;
    this.reader = src.getReader();
  }

  private take(c: Uint8Array): void {
    if (this.skip > 0) {
      if (this.skip >= c.length) {
        this.skip -= c.length;
        return;
      }
      c = c.subarray(this.skip);
      this.skip = 0;
    }
    this.out.push(c);
  }

  async next(signal?: AbortSignal): Promise<Uint8Array[] | null> {
    for (;;) {
      throwIfAborted(signal);
      if (this.out.length) {
        const r = this.out;
        this.out = [];
        return r;
      }
      if (this.ended) return null;
      if (this.decoder.step?.()) continue;
      if (!this.rest) {
        let r: ReadableStreamReadResult<Uint8Array>;
        try {
          r = await this.reader.read();
        } catch (e) {
          throw asLwError(e, 'truncated');
        }
        if (r.done) {
          this.ended = true;
          this.decoder.finish();
          continue;
        }
        this.rest = r.value;
      }
      const piece = this.rest.length > this.piece ? this.rest.subarray(0, this.piece) : this.rest;
      this.rest = piece.length < this.rest.length ? this.rest.subarray(piece.length) : null;
      this.decoder.push(piece);
    }
  }

  cancel(): void {
    this.reader.cancel().catch(() => {});
  }
}

/** Native gzip first; on failure the authoritative decoder restarts from the Blob's first byte. */
class GzipBlobSource implements Source {
  private native: ReadableStreamDefaultReader<Uint8Array> | null = null;
  private fallback: DecodePump | null = null;
  private emitted = 0;

  constructor(
    private readonly open: () => ReadableStream<Uint8Array>,
    makeNative: (() => TransformStream<Uint8Array, Uint8Array>) | null,
  ) {
    if (makeNative) this.native = open().pipeThrough(makeNative()).getReader();
    else this.fallback = new DecodePump(open(), 'gzip');
  }

  async next(signal?: AbortSignal): Promise<Uint8Array[] | null> {
    throwIfAborted(signal);
    if (this.native) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await this.native.read();
      } catch (e) {
        this.native = null;
        throwIfAborted(signal);
        // An LwError comes from the source (`open`), not from the inflater: reading again would not help.
        if (e instanceof LwError) throw e;
        const msg = String((e as Error)?.message ?? e);
        if (NATIVE_TRUNCATED.test(msg))
          throw new LwError('truncated', `Truncated: the gzip stream ends early (${msg}).`);
        this.fallback = new DecodePump(this.open(), 'gzip', this.emitted);
        return this.fallback.next(signal);
      }
      if (r.done) return null;
      this.emitted += r.value.length;
      return [r.value];
    }
    return this.fallback!.next(signal);
  }

  cancel(): void {
    this.native?.cancel().catch(() => {});
    this.fallback?.cancel();
  }
}

function defaultNative(): (() => TransformStream<Uint8Array, Uint8Array>) | null {
  if (typeof DecompressionStream === 'undefined') return null;
  return () => new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>;
}

/** Wraps a Source into a pull-based ReadableStream with LwErrors and signal cancellation. */
function sourceStream(
  open: () => Promise<Source> | Source,
  signal?: AbortSignal,
  guard?: (n: number) => void,
): ReadableStream<Uint8Array> {
  let source: Source | null = null;
  let finished = false;
  let onAbort: (() => void) | null = null;
  const done = () => {
    finished = true;
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  };
  return new ReadableStream<Uint8Array>({
    start(ctrl) {
      if (!signal) return;
      // Abort errors the stream at once, even while the consumer is not reading.
      onAbort = () => {
        if (finished) return;
        done();
        source?.cancel();
        ctrl.error(new LwError('cancelled', 'The operation was cancelled.'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
    },
    async pull(ctrl) {
      if (finished) return;
      try {
        throwIfAborted(signal);
        if (!source) source = await open();
        const chunks = await source.next(signal);
        if (finished) return;
        if (!chunks) {
          done();
          ctrl.close();
          return;
        }
        for (const c of chunks) {
          guard?.(c.length);
          ctrl.enqueue(c);
        }
      } catch (e) {
        if (finished) return;
        done();
        source?.cancel();
        ctrl.error(asLwError(e));
      }
    },
    cancel() {
      done();
      source?.cancel();
    },
  });
}

/**
 * The decompressed content of a blob. `kind` is detected from the magic bytes when omitted.
 * Errors (LwError) arrive through the stream: truncated, corrupt, unsupported-media-type, cancelled.
 */
export function decompressBlob(
  blob: Blob,
  kind?: Compression,
  opts: DecompressOptions = {},
): ReadableStream<Uint8Array> {
  const native = opts.nativeGunzip === undefined ? defaultNative() : opts.nativeGunzip;
  const open = opts.open ?? countingOpen(blob, opts.signal, opts.onBytes);
  const max = opts.maxOutput === undefined ? expansionCeiling(blob.size) : opts.maxOutput;
  return sourceStream(async () => {
    const k = kind ?? (await sniffBlob(blob));
    // Before any work: a size the stored bytes declare past the ceiling is refused at once.
    if (max !== null && (await declaredSize(blob, k)) > max) throw suspicious(blob.size, max, true);
    if (k === 'gzip') return new GzipBlobSource(open, native);
    return new DecodePump(open(), k);
  }, opts.signal, expansionGuard(blob.size, max));
}

/** Opens the blob in slices; with `onBytes`, each read counts its bytes and a re-open takes the last read back. */
function countingOpen(blob: Blob, signal: AbortSignal | undefined, onBytes?: (n: number) => void): () => ReadableStream<Uint8Array> {
  if (!onBytes) return () => sliceStream(blob, { signal });
  let read = 0;
  return () => {
    if (read) onBytes(-read);
    read = 0;
    return sliceStream(blob, { signal }).pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, ctrl) {
          read += chunk.length;
          onBytes(chunk.length);
          ctrl.enqueue(chunk);
        },
      }),
    );
  };
}

/** Decompresses a stream that cannot be re-read (so gzip always takes the fflate decoder). */
export function decompressStream(
  src: ReadableStream<Uint8Array>,
  kind: Compression,
  opts: { signal?: AbortSignal } = {},
): ReadableStream<Uint8Array> {
  return sourceStream(() => new DecodePump(src, kind), opts.signal);
}

/** Detects the compression of a stream's first bytes; returns it with a stream that still has them. */
export async function sniffStream(
  src: ReadableStream<Uint8Array>,
): Promise<{ kind: Compression; stream: ReadableStream<Uint8Array> }> {
  const reader = src.getReader();
  const head: Uint8Array[] = [];
  let n = 0;
  let done = false;
  while (n < 6) {
    const r = await reader.read();
    if (r.done) {
      done = true;
      break;
    }
    head.push(r.value);
    n += r.value.length;
  }
  const all = new Uint8Array(n);
  let o = 0;
  for (const h of head) {
    all.set(h, o);
    o += h.length;
  }
  const stream = new ReadableStream<Uint8Array>({
    start(ctrl) {
      for (const h of head) ctrl.enqueue(h);
      if (done) ctrl.close();
    },
    async pull(ctrl) {
      const r = await reader.read();
      if (r.done) ctrl.close();
      else ctrl.enqueue(r.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return { kind: detectCompression(all), stream };
}
