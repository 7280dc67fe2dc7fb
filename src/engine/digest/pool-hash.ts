// SHA-256/512 of a stream, computed in a pool worker (compress/pool.ts) instead of the calling thread, so that
// verify and diagnose inflate on one core while both hashes (stored digest, diff_id) run on others, and the layer
// encoder deflates, guards and hashes on all of them (issue 11). The same stream machinery carries the decode
// guard's gunzip-and-hash stream (compress/gunzip-hash.ts) and the splicer's CRC-32 stream.
//
// - A stream's hash state lives in one worker; its chunks go there in order through a pool channel.
// - Bytes travel in 2 MiB batches (HASH_BATCH) from a fixed set per stream: every chunk is copied into the current
//   batch, a full batch is transferred to the worker, which hashes it and transfers it back for reuse. The caller's chunks
//   are never transferred (the stored bytes of a layer go on to the decompressor; the tar reader keeps views of
//   decoded ones), and nothing is left for either side's garbage collector: measured in Chromium, transferring
//   or cloning fresh buffers instead made the renderer grow by 350–1300 MiB while verifying a 1 GiB layer,
//   because a worker that only hashes collects its received buffers late.
// - Back-pressure: at most IN_FLIGHT batches per stream wait for the worker; update() waits beyond that, so a
//   stream holds at most IN_FLIGHT + 1 batches.
// - Where the pool has no workers (none can be made, or they never start) the stream hashes in the calling
//   thread, replaying what it had sent (kept until the worker first answers). A worker that fails or dies after
//   it worked makes update()/hex() throw `worker-failed`: never a hang, never a wrong digest.

import { LwError } from '../errors';
import { newHasher, type DigestAlgorithm } from './algorithm';
import { WorkerNeverStarted, type HashJob, type PoolChannel, type PoolReply } from '../compress/pool';
import { gunzipHash } from '../compress/gunzip-hash';
import { crc32Hasher } from '../compress/crc32';

/** What hashes through a pool: the pool (its channel()), or nothing. */
export interface HashPool {
  channel(): PoolChannel | undefined;
}

/** Bytes per message to a worker (2 MiB: half the messages of 1 MiB, ~9 % faster verify; see io.ts). */
export const HASH_BATCH = 2 * 1024 * 1024;
/** Batches of one stream in flight. */
const IN_FLIGHT = 8;
/** Streams of blobs smaller than this hash in the calling thread (starting a worker costs more). */
export const POOL_MIN_BYTES = 8 * 1024 * 1024;

let shared: HashPool | undefined;
/** Sets the pool that hashing uses unless told otherwise (the engine worker's, the CLI's); undefined: none. */
export function setHashPool(pool: HashPool | undefined): void {
  shared = pool;
}
export function sharedHashPool(): HashPool | undefined {
  return shared;
}

export interface AsyncHasher {
  /** Adds bytes (copied: the caller keeps its chunk); waits while too many are in flight. */
  update(chunk: Uint8Array): Promise<void> | void;
  /** Lowercase hex; ends the stream. */
  hex(): Promise<string>;
  /** Abandons the stream (cancellation). */
  drop(): void;
}

/** The decode guard's stream (compress/guard.ts): gzip bytes in; the digest and size of what they decode to. */
export interface AsyncGunzipHasher {
  update(chunk: Uint8Array): Promise<void> | void;
  /** Ends the stream; rejects (encoder-failed from a worker) when the bytes do not decode. */
  finish(): Promise<{ hex: string; size: number }>;
  drop(): void;
}

let nextId = 1;

/** A hasher for a stream: in a pool worker when `pool` has one, else in this thread. */
export function poolHasher(alg: DigestAlgorithm = 'sha256', pool: HashPool | undefined = shared): AsyncHasher {
  if (!pool) return localHasher(alg);
  return new PooledHasher(alg, pool, 'hash');
}

/**
 * A CRC-32 stream (hex(): 8 hex digits) in a pool worker when `pool` has one, else in this thread: the splicer's
 * trailer CRC of the new tar, off the thread that walks and copies the source's blocks.
 */
export function poolCrc32(pool: HashPool | undefined): AsyncHasher {
  return new PooledHasher('sha256', pool, 'crc32');
}

/** A gunzip-and-hash stream: decoded and hashed in a pool worker when `pool` has one, else in this thread. */
export function poolGunzipHasher(alg: DigestAlgorithm = 'sha256', pool: HashPool | undefined = shared): AsyncGunzipHasher {
  const p = new PooledHasher(alg, pool, 'gunzip');
  return { update: (c) => p.update(c), finish: () => p.finish() as Promise<{ hex: string; size: number }>, drop: () => p.drop() };
}

function localHasher(alg: DigestAlgorithm): AsyncHasher {
  const h = newHasher(alg);
  return { update: (c) => void h.update(c), hex: async () => h.hex(), drop() {} };
}

/** Where a stream's bytes go when no worker takes them: this thread. */
interface LocalSink {
  update(c: Uint8Array): Promise<void> | void;
  end(): Promise<{ hex: string; size?: number }>;
  abort(): void;
}

function localSink(alg: DigestAlgorithm, op: HashJob['op']): LocalSink {
  if (op === 'gunzip') return gunzipHash(alg);
  const h = op === 'crc32' ? crc32Hasher() : newHasher(alg);
  return { update: (c) => void h.update(c), end: async () => ({ hex: h.hex() }), abort() {} };
}

interface Sent {
  reply: Promise<PoolReply>;
  /** The bytes, kept while the worker has not proven itself (to redo them here if it never starts). */
  copy?: Uint8Array;
}

class PooledHasher implements AsyncHasher {
  private readonly id = nextId++;
  private ch: PoolChannel | undefined;
  private local: LocalSink | undefined;
  private batch: Uint8Array = new Uint8Array(HASH_BATCH);
  /** Batches the worker gave back, for reuse. */
  private free: Uint8Array[] = [];
  private fill = 0;
  private sent: Sent[] = [];
  /** Everything sent while unproven, in order (the replay if the worker never starts). */
  private kept: Uint8Array[] = [];
  private ended = false;

  constructor(
    private readonly alg: DigestAlgorithm,
    private readonly pool: HashPool | undefined,
    private readonly op: HashJob['op'],
  ) {}

  update(chunk: Uint8Array): Promise<void> | void {
    if (this.ended) throw new LwError('invalid-argument', 'A hash stream was updated after it ended.');
    if (this.local) return this.local.update(chunk);
    // The common case (a decoder's 64 KiB chunk that does not fill the batch) returns at once.
    if (this.fill + chunk.length < HASH_BATCH) {
      this.batch.set(chunk, this.fill);
      this.fill += chunk.length;
      return;
    }
    return this.copyIn(chunk);
  }

  private async copyIn(chunk: Uint8Array): Promise<void> {
    for (let pos = 0; pos < chunk.length; ) {
      if (this.local) return this.local.update(chunk.subarray(pos));
      const n = Math.min(HASH_BATCH - this.fill, chunk.length - pos);
      this.batch.set(chunk.subarray(pos, pos + n), this.fill);
      this.fill += n;
      pos += n;
      if (this.fill === HASH_BATCH) {
        const full = this.batch;
        this.batch = this.free.pop() ?? new Uint8Array(HASH_BATCH);
        this.fill = 0;
        await this.send(full);
      }
    }
  }

  private flushBatch(): Promise<void> | void {
    if (!this.fill) return;
    const part = this.batch.subarray(0, this.fill).slice();
    this.fill = 0;
    return this.send(part);
  }

  private async send(data: Uint8Array): Promise<void> {
    if (this.local) return this.local.update(data);
    this.ch ??= this.pool?.channel();
    if (!this.ch) {
      await this.goLocal();
      return this.local!.update(data);
    }
    const proven = this.ch.proven;
    // Transferred once the worker has answered before; until then cloned and kept, to redo here if it never starts.
    const reply = this.ch.send({ op: this.op, id: this.id, alg: this.alg, data }, proven ? [data.buffer as ArrayBuffer] : []);
    reply.catch(() => {}); // awaited in order below
    if (!proven) this.kept.push(data);
    this.sent.push({ reply });
    while (this.sent.length >= IN_FLIGHT && !this.local) await this.settle(this.sent.shift()!);
  }

  /** Waits for one answer; a worker that never started turns the stream local (replaying what it was sent). */
  private async settle(s: Sent): Promise<PoolReply | undefined> {
    try {
      const r = await s.reply;
      if (this.kept.length) this.kept = []; // proven: nothing will need redoing
      const back = (r as { back?: Uint8Array }).back;
      if (back && back.length === HASH_BATCH && this.free.length < IN_FLIGHT) this.free.push(back);
      return r;
    } catch (e) {
      if (!(e instanceof WorkerNeverStarted)) throw e instanceof LwError ? e : new LwError('worker-failed', `A hashing worker failed: ${String(e)}`);
      if (!this.local) await this.goLocal();
      return undefined;
    }
  }

  private async goLocal(): Promise<void> {
    const local = (this.local = localSink(this.alg, this.op));
    const kept = this.kept;
    this.kept = [];
    this.sent = [];
    for (const c of kept) await local.update(c);
  }

  async hex(): Promise<string> {
    return (await this.finish()).hex;
  }

  async finish(): Promise<{ hex: string; size?: number }> {
    if (this.ended) throw new LwError('invalid-argument', 'A hash stream was ended twice.');
    // Under one batch in all: nothing was sent, hash it here (no worker round trip, no worker start).
    if (!this.ch && !this.local) await this.goLocal();
    await this.flushBatch();
    this.ended = true;
    if (this.local) return this.local.end();
    this.ch ??= this.pool?.channel();
    if (!this.ch) {
      await this.goLocal();
      return this.local!.end();
    }
    const end = this.ch.send({ op: this.op, id: this.id, alg: this.alg, end: true }, []);
    end.catch(() => {});
    this.sent.push({ reply: end });
    let last: PoolReply | undefined;
    try {
      while (this.sent.length && !this.local) last = await this.settle(this.sent.shift()!);
    } finally {
      this.ch.release();
    }
    const local = this.local as LocalSink | undefined; // settle() may have turned the stream local
    if (local) return local.end();
    const { hex, size } = (last ?? {}) as { hex?: string; size?: number };
    if (!hex) throw new LwError('worker-failed', 'A hashing worker ended a stream without its digest.');
    return { hex, size };
  }

  drop(): void {
    this.ended = true;
    this.sent = [];
    this.kept = [];
    this.local?.abort();
    if (this.ch && !this.local) this.ch.send({ op: this.op, id: this.id, alg: this.alg, drop: true }, []).catch(() => {});
    this.ch?.release();
  }
}
