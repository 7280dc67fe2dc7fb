// The one "read a layer once" pipeline. verify (digest + diff_id) and diagnose (the same, plus every entry's
// metadata, through layers/scan.ts readLayer) both come here, so a stored layer is sniffed, hashed, decompressed
// and drained in exactly one place:
//
// - the stored bytes are hashed as they are pulled into the decompressor, and drained to the end afterwards
//   (whatever the decoder or the consumer did), so the stored digest and size always cover every byte;
// - the decompressed bytes are hashed on their way to the consumer (the diff_id); the consumer may stop early
//   (the tar reader stops at the end-of-archive blocks): the rest still belongs to the diff_id and is drained;
// - gzip goes through compress/decompress.ts decompressBlob: the native DecompressionStream first (several times
//   faster than fflate); if it refuses the data for a reason other than truncation (Chromium rejects multi-member
//   gzip), our own decoder restarts from the blob's first byte and decides. The restart re-reads the stored
//   bytes, so their hash starts over and the progress of the abandoned read is taken back (onBytes(-n)).
//
// - both hashes run in pool workers (digest/pool-hash.ts) for blobs of POOL_MIN_BYTES or more, so inflate,
//   the stored digest and the diff_id use three cores; both are copied into the stream's own 1 MiB buffers that
//   travel to the worker and back (the stored chunks go on to the decompressor, the consumer reads the decoded ones).
//
// UnpackCache lets two ops share one read of a blob (the app's automatic diagnose and the user's Verify).

import { LwError, asLwError, throwIfAborted } from '../errors';
import { poolHasher, sharedHashPool, POOL_MIN_BYTES, type AsyncHasher, type DigestAlgorithm, type HashPool } from '../digest/index';
import { decompressBlob, type DecompressOptions } from '../compress/decompress';
import { sniffBlob, type Compression } from '../compress/detect';
import { sliceStream } from '../io';
import type { NameIssue } from './names';

export interface UnpackOptions<T> {
  signal?: AbortSignal;
  /** Stored bytes read, as increments; negative when a restart takes back an abandoned read. */
  onBytes?: (n: number) => void;
  /**
   * Reads the uncompressed tar. It may stop early; an error it throws ends up in `error` (the digests are still
   * complete). Not called for compressions layerwright cannot decode (bzip2, xz).
   */
  consume?: (tar: ReadableStream<Uint8Array>) => Promise<T>;
  /** Shares passes between ops: see UnpackCache. */
  cache?: UnpackCache;
  /**
   * With `consume`: a shared pass that parsed the tar to its end (layers/scan.ts) is enough, its name judgement
   * (`names`) standing in for the consumer's result (verify needs only that the tar parses, and its names).
   */
  reuseParsed?: boolean;
  /** Tests imitate browsers' native gzip with it (compress/decompress.ts). */
  nativeGunzip?: DecompressOptions['nativeGunzip'];
  /**
   * Algorithms of the stored digest and of the diff_id (sha256 unless told): a descriptor may name its blob
   * "sha512:…" (image-spec descriptor.md), and its digest must then be computed that way.
   */
  algorithm?: DigestAlgorithm;
  diffIdAlgorithm?: DigestAlgorithm;
  /** Where the hashes run (default: the shared pool, setHashPool; null: this thread). */
  hashPool?: HashPool | null;
}

export interface UnpackResult<T = unknown> {
  /** What the magic bytes say (not what the media type claims). */
  compression: Compression;
  /** Digest (sha256 unless `algorithm` says otherwise) and length of the stored bytes: always complete. */
  digest: string;
  size: number;
  /** sha256 of the uncompressed tar, when it decoded to its end without an error. */
  diffId?: string;
  /** Uncompressed bytes read (all of them unless there was an error). */
  tarSize: number;
  /** Why the layer could not be decoded to its end: truncated, corrupt, unsupported-media-type. */
  error?: LwError;
  /** What `consume` returned (undefined when it threw, or was not called). */
  result?: T;
  /** From a shared pass whose consumer parsed the tar to its end: its entry names judged (layers/names.ts). */
  names?: NameIssue[];
}

/** The shareable part of a pass that read the whole blob and decoded it to its end. */
export type LayerDigests = Omit<UnpackResult<never>, 'error' | 'result'> & { diffId: string };

/** Reads a stored layer once: stored digest and size, diff_id, and (optionally) a consumer of the tar stream. */
export async function unpackLayer<T = undefined>(blob: Blob, opts: UnpackOptions<T> = {}): Promise<UnpackResult<T>> {
  const { cache, consume, onBytes } = opts;
  // The cache shares sha256 passes only (what every op asks for); another algorithm reads on its own.
  if (!cache || (opts.algorithm ?? 'sha256') !== 'sha256' || (opts.diffIdAlgorithm ?? 'sha256') !== 'sha256')
    return readOnce(blob, opts);
  // Only digests (and a tar parse's name judgement, for reuseParsed) are shared: a consumer needs the bytes.
  if (!consume || opts.reuseParsed) {
    const shared = cache.join(blob, onBytes);
    if (shared) {
      let d: LayerDigests | undefined;
      try {
        d = await untilAborted(shared.digests, opts.signal);
      } finally {
        shared.leave();
      }
      if (d && (!consume || d.names)) {
        onBytes?.(d.size - shared.forwarded());
        return { ...d };
      }
      // The other pass failed or was cancelled (or never started): read it here, taking its progress back.
      onBytes?.(-shared.forwarded());
    }
  }
  return cache.run(blob, onBytes, (counted) => readOnce(blob, { ...opts, onBytes: counted }));
}

async function readOnce<T>(blob: Blob, opts: UnpackOptions<T>): Promise<UnpackResult<T>> {
  const { signal, onBytes, consume } = opts;
  const alg = opts.algorithm ?? 'sha256';
  const diffAlg = opts.diffIdAlgorithm ?? 'sha256';
  const compression = await sniffBlob(blob);
  const pool = blob.size >= POOL_MIN_BYTES ? (opts.hashPool === undefined ? sharedHashPool() : opts.hashPool ?? undefined) : undefined;
  let tap: StoredTap | undefined;
  const open = (): ReadableStream<Uint8Array> => {
    if (tap) {
      // A restart (native gzip gave up): progress counts each stored byte once, the hash starts over.
      onBytes?.(-tap.size);
      tap.drop();
    }
    tap = new StoredTap(blob, signal, onBytes, poolHasher(alg, pool));
    return tap.stream;
  };

  // A plain tar is its own uncompressed content: one hash serves as digest and diff_id (same algorithm).
  const unpacked = compression === 'none' && diffAlg === alg ? undefined : poolHasher(diffAlg, pool);
  let tarSize = 0;
  let result: T | undefined;
  let error: LwError | undefined;
  if (compression === 'bzip2' || compression === 'xz')
    error = new LwError('unsupported-media-type', `The layer is ${compression}-compressed; engines and layerwright read only gzip, zstd and plain tar layers.`);
  else {
    // This IS the model's read path (Layer.unpack()), so it decodes the stored blob itself.
    const out = decompressBlob(blob, compression, { signal, nativeGunzip: opts.nativeGunzip, open }).getReader();
    const readOut = async (): Promise<Uint8Array | undefined> => {
      const r = await out.read();
      if (r.done) return undefined;
      // Not `owned`: a decoder may still hold the buffer (its window); small chunks are batched anyway.
      await unpacked?.update(r.value);
      tarSize += r.value.length;
      return r.value;
    };
    try {
      if (consume) {
        // The consumer gets a view whose cancel we ignore: what it leaves unread is drained below.
        const view = new ReadableStream<Uint8Array>(
          {
            async pull(ctrl) {
              const c = await readOut();
              if (c) ctrl.enqueue(c);
              else ctrl.close();
            },
          },
          { highWaterMark: 0 },
        );
        result = await consume(view);
      }
      while (await readOut());
    } catch (e) {
      error = asLwError(e, 'corrupt');
      if (error.code === 'cancelled' || error.code === 'worker-failed') {
        tap?.drop();
        unpacked?.drop();
        throw error;
      }
      result = undefined;
      out.cancel().catch(() => {});
    }
  }
  const stored = tap ?? (open(), tap!);
  try {
    throwIfAborted(signal);
    while (await stored.read());
  } catch (e) {
    stored.drop(); // cancelled, or the file changed on disk: let go of it
    unpacked?.drop();
    throw e;
  }
  let digest: string;
  let diffHex: string | undefined;
  try {
    digest = `${alg}:` + (await stored.hash.hex());
    if (unpacked) {
      if (error) unpacked.drop();
      else diffHex = await unpacked.hex();
    }
  } catch (e) {
    unpacked?.drop();
    throw asLwError(e, 'worker-failed');
  }
  return {
    compression,
    digest,
    size: stored.size,
    diffId: error ? undefined : unpacked ? `${diffAlg}:` + diffHex : digest,
    tarSize: unpacked ? tarSize : stored.size,
    error,
    result,
  };
}

/**
 * One read of the stored bytes, hashed and counted as they pass. The decompressor may stop pulling early (an
 * error, trailing bytes): its cancel does not reach `reader`, which readOnce drains so the digest covers every byte.
 */
class StoredTap {
  size = 0;
  readonly stream: ReadableStream<Uint8Array>;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private live = true;

  constructor(
    blob: Blob,
    private readonly signal: AbortSignal | undefined,
    private readonly onBytes: ((n: number) => void) | undefined,
    readonly hash: AsyncHasher,
  ) {
    this.reader = sliceStream(blob, { signal }).getReader();
    this.stream = new ReadableStream<Uint8Array>(
      {
        pull: async (ctrl) => {
          const c = await this.read();
          if (c) ctrl.enqueue(c);
          else ctrl.close();
        },
      },
      { highWaterMark: 0 },
    );
  }

  async read(): Promise<Uint8Array | undefined> {
    throwIfAborted(this.signal);
    let r: ReadableStreamReadResult<Uint8Array>;
    try {
      r = await this.reader.read();
    } catch (e) {
      throw asLwError(e, 'truncated'); // sliceStream's: truncated (changed or removed on disk?) or cancelled
    }
    if (r.done || !this.live) return undefined;
    await this.hash.update(r.value); // copied: the decompressor reads this chunk too
    this.size += r.value.length;
    this.onBytes?.(r.value.length);
    return r.value;
  }

  /** Abandons this read (a restart, cancellation): nothing more is counted. */
  drop(): void {
    this.live = false;
    this.hash.drop();
    this.reader.cancel().catch(() => {});
  }
}

/**
 * Shares layer passes between ops on the same archive, keyed by the layer Blob (blobs are immutable and an
 * archive hands out the same Blob object for a layer every time). The app's worker keeps one per open session:
 * diagnose runs as soon as an image opens, and a Verify clicked meanwhile would otherwise read and hash every
 * layer a second time, competing for the same CPU.
 *
 * - Only the digests of a pass that read the whole blob and decoded it without an error are shared; a
 *   failed, short or cancelled pass is forgotten, and whoever waited on it reads the blob itself.
 * - A pass with a consumer (diagnose's tar scan) always reads: it needs the bytes. Its digests are shared with
 *   passes without one (verify), which wait for it while it runs instead of reading the blob at the same time,
 *   and see its progress as their own (so a Verify's bar moves while it waits on a long layer).
 * - reserve() announces the blobs an op is about to read in order, so that a concurrent verify waits for those
 *   too rather than racing ahead and reading them itself; the op withdraws what it did not start when it ends.
 */
export class UnpackCache {
  private readonly entries = new WeakMap<Blob, Entry>();

  /** Announces passes the caller will make. Call the returned function when done (finally): it withdraws the rest. */
  reserve(blobs: Iterable<Blob>): () => void {
    const mine: [Blob, Entry][] = [];
    for (const blob of blobs) {
      if (this.entries.has(blob)) continue;
      let settle!: (v: Promise<LayerDigests | undefined> | undefined) => void;
      const digests = new Promise<LayerDigests | undefined>((resolve) => (settle = resolve));
      const e: Entry = { digests, settle, read: 0, listeners: new Set() };
      this.entries.set(blob, e);
      mine.push([blob, e]);
    }
    return () => {
      for (const [blob, e] of mine) {
        if (!e.settle) continue;
        e.settle(undefined);
        e.settle = undefined;
        if (this.entries.get(blob) === e) this.entries.delete(blob);
      }
    };
  }

  /**
   * Waits on the pass over `blob` that is shared, running or announced, if any: its stored bytes read so far and
   * from now on go to `onBytes` (forwarded() says how many, net) until leave().
   */
  join(
    blob: Blob,
    onBytes?: (n: number) => void,
  ): { digests: Promise<LayerDigests | undefined>; forwarded(): number; leave(): void } | undefined {
    const e = this.entries.get(blob);
    if (!e) return undefined;
    let forwarded = 0;
    const listener = (n: number) => {
      forwarded += n;
      onBytes?.(n);
    };
    if (e.read) listener(e.read);
    const listeners = e.listeners; // the same set once an announced pass starts
    listeners.add(listener);
    return { digests: e.digests, forwarded: () => forwarded, leave: () => void listeners.delete(listener) };
  }

  /**
   * Runs a pass over `blob` and shares it, unless a pass over it is already shared or running (then it just runs).
   * `pass` gets the progress callback to use: `onBytes`, and whoever waits on it.
   */
  run<R extends UnpackResult>(blob: Blob, onBytes: ((n: number) => void) | undefined, pass: (onBytes: (n: number) => void) => Promise<R>): Promise<R> {
    const prev = this.entries.get(blob);
    if (prev && !prev.settle) return pass((n) => onBytes?.(n));
    const e: Entry = { digests: undefined!, read: 0, listeners: prev?.listeners ?? new Set() };
    const result = pass((n) => {
      e.read += n;
      onBytes?.(n);
      for (const l of e.listeners) l(n);
    });
    e.digests = result.then(
      (r) => (!r.error && r.diffId !== undefined && r.size === blob.size ? shareable(r as UnpackResult & { diffId: string }) : undefined),
      () => undefined,
    );
    this.entries.set(blob, e);
    if (prev?.settle) {
      prev.settle(e.digests);
      prev.settle = undefined;
    }
    void e.digests.then((d) => {
      if (!d && this.entries.get(blob) === e) this.entries.delete(blob);
    });
    return result;
  }
}

interface Entry {
  digests: Promise<LayerDigests | undefined>;
  /** Set while the entry is only announced (reserve) and no pass has started. */
  settle?: (v: Promise<LayerDigests | undefined> | undefined) => void;
  /** Stored bytes the pass has read so far (net of restarts), and who else wants to hear of them. */
  read: number;
  listeners: Set<(n: number) => void>;
}

function shareable(r: UnpackResult & { diffId: string }): LayerDigests {
  // A pass whose consumer was the tar scan (it ended without an error, so the tar parsed to its end) shares its
  // name judgement too.
  const names = (r.result as { names?: NameIssue[] } | undefined)?.names;
  return { compression: r.compression, digest: r.digest, size: r.size, diffId: r.diffId, tarSize: r.tarSize, ...(names ? { names } : {}) };
}

/** Waits for `p`, but rejects with `cancelled` as soon as the signal fires. */
function untilAborted<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  throwIfAborted(signal);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new LwError('cancelled', 'The operation was cancelled.'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
