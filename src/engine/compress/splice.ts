// Deflate splicing (issue 11): gzip a NEW uncompressed stream that is mostly the same bytes as the stream a stored
// gzip layer decodes to (fix drops a few entries and appends a few), by copying the source's compressed blocks
// where the bytes are unchanged and deflating only the regions around the edits.
//
// The caller says which new bytes equal which source bytes (`same`, before writing them). A source block that
// decodes to [B, B') can be copied when the new stream holds the same bytes there AND the same 32 KiB before B
// (its back-references reach at most 32 KiB back, RFC 1951 3.2.5); a run that starts at the source's offset 0
// needs no history. Copied blocks are shifted to start on a byte boundary and followed by an empty stored block
// (what Z_SYNC_FLUSH writes) so the next piece starts on one too. Everything else is deflated in chunks of the
// fixed chunk size counted from the start of each re-encoded gap, with the previous 32 KiB of the NEW stream as
// dictionary (deflate-chunk.ts, the same pieces gzip.ts joins). Each choice depends only on byte positions, the
// `same` map and the source's blocks — never on how the input is pushed — so the output is deterministic.
// One gzip member: our header, CRC-32 and ISIZE over the new stream.

import { throwIfAborted } from '../errors';
import { poolCrc32, type HashPool } from '../digest/pool-hash';
import { GZIP_CHUNK, checkLevel, inlineDeflater, type DeflatedChunk, type Deflater } from './gzip';
import { BitCopy, SourceBlocks, SourcePages, deflateStart, type SourceBlock } from './splice-source';

const WINDOW = 32 * 1024;
/** Output is handed on in pieces of about this size (each piece costs the decode guard a round trip). */
const OUT_BATCH = 256 * 1024;

export interface SpliceOptions {
  /** gzip level of the re-encoded regions, 0-9 (default 6). */
  level?: number;
  deflater?: Deflater;
  /** Bytes per re-encoded chunk (default GZIP_CHUNK; tests use smaller ones). */
  chunkSize?: number;
  signal?: AbortSignal;
}

export interface SpliceStats {
  /** New bytes whose compressed blocks were copied from the source. */
  copied: number;
  /** New bytes deflated again. */
  deflated: number;
  /** Source blocks walked. */
  walked: number;
}

export interface Splicer {
  /**
   * New bytes [newPos, newPos + len) are the source's uncompressed bytes [oldPos, oldPos + len). Call in order
   * (both positions increasing), before those bytes are written to `stream`; a call that goes back is ignored.
   */
  same(newPos: number, oldPos: number, len: number): void;
  /** New uncompressed bytes in, gzip out. */
  stream: TransformStream<Uint8Array, Uint8Array>;
  stats(): SpliceStats;
}

interface Run {
  n0: number;
  o0: number;
  len: number;
}

/** A splicer over `source` (a gzip blob), or undefined when it does not start with a gzip header. */
export async function openSplice(source: Blob, opts: SpliceOptions = {}): Promise<Splicer | undefined> {
  const start = await deflateStart(source);
  if (start === undefined) return undefined;
  const level = checkLevel(opts.level ?? 6);
  const chunk = opts.chunkSize ?? GZIP_CHUNK;
  const deflater = opts.deflater ?? inlineDeflater;
  const pages = new SourcePages(source);
  const blocks = new SourceBlocks(pages, start);
  const runs: Run[] = [];
  let ri = 0;
  const stats: SpliceStats = { copied: 0, deflated: 0, walked: 0 };

  // New bytes: pb[at, at + hl) are the hl = min(e, 32 KiB) bytes before e (the dictionary), pb[at + hl, at + hl + pend) are
  // [e, pos): received but not yet written out (copied or deflated).
  let pb = new Uint8Array(2 * chunk + WINDOW);
  let at = 0; // where the kept bytes start in pb: moved forward as bytes are written out, compacted only when full
  let hl = 0;
  let pend = 0;
  let e = 0;
  let pos = 0;
  // The trailer's CRC-32 of the new tar, taken from the bytes as they arrive (never from the copied or re-deflated
  // pieces: the decode guard checks the decoded bytes against it), in a pool worker when the deflater is a pool.
  const crcStream = poolCrc32(typeof (deflater as Partial<HashPool>).channel === 'function' ? (deflater as unknown as HashPool) : undefined);
  let mode: 'deflate' | 'copy' = 'deflate';
  let seg: BitCopy | undefined;
  let delta = 0; // new - old offset of the run being copied
  let ended = false;

  let outBuf: Uint8Array[] = [];
  let outLen = 0;
  let ctl!: TransformStreamDefaultController<Uint8Array>;
  const emit = (b: Uint8Array) => {
    outBuf.push(b);
    outLen += b.length;
    if (outLen >= OUT_BATCH) flushOut();
  };
  const flushOut = () => {
    if (!outLen) return;
    const o = new Uint8Array(outLen);
    let at = 0;
    for (const b of outBuf) {
      o.set(b, at);
      at += b.length;
    }
    outBuf = [];
    outLen = 0;
    ctl.enqueue(o);
  };

  const append = (c: Uint8Array) => {
    if (at + hl + pend + c.length > pb.length) {
      // Compact (or grow) only now: moving the kept bytes on every advance cost more than the walk's bookkeeping.
      if (hl + pend + c.length > pb.length) {
        const n = new Uint8Array(Math.max(2 * pb.length, hl + pend + c.length));
        n.set(pb.subarray(at, at + hl + pend));
        pb = n;
      } else pb.copyWithin(0, at, at + hl + pend);
      at = 0;
    }
    pb.set(c, at + hl + pend);
    pend += c.length;
  };
  /** Moves e forward by n (those bytes have been written out), keeping the 32 KiB before it. */
  const advance = (n: number) => {
    const keep = Math.min(WINDOW, e + n);
    at += hl + n - keep;
    hl = keep;
    pend -= n;
    e += n;
  };
  // Chunks being deflated (by the pool, possibly in parallel), written out in order; everything else written
  // out waits for them (drain) so the output stays in stream order.
  const maxInFlight = Math.max(1, 2 * deflater.concurrency);
  const inflight: Promise<DeflatedChunk>[] = [];
  const drain = async (keep = 0) => {
    while (inflight.length > keep) emit((await inflight.shift()!).piece);
  };
  /** Deflates [e, to) in chunks counted from e. */
  const deflateTo = async (to: number) => {
    while (e < to) {
      throwIfAborted(opts.signal);
      const n = Math.min(chunk, to - e);
      // A dictionary is all 32 KiB or none (deflateChunk's contract: fflate mis-encodes with a very short one, seen
      // with 10 bytes). Within the first 32 KiB of the stream (after copied blocks there) the chunk goes without:
      // it is then a valid piece that just does not reach back.
      const dict = hl === WINDOW ? pb.slice(at, at + hl) : new Uint8Array(0);
      const p = deflater.deflate({ data: pb.slice(at + hl, at + hl + n), dict, level });
      p.catch(() => {}); // awaited in order by drain()
      inflight.push(p);
      stats.deflated += n;
      advance(n);
      await drain(maxInFlight - 1);
    }
  };
  /** The run can no longer grow: later bytes were received, another run follows, or the input ended. */
  const settled = (r: Run, final: boolean) => final || r !== runs[runs.length - 1] || pos > r.n0 + r.len;

  const pump = async (final: boolean) => {
    for (;;) {
      throwIfAborted(opts.signal);
      if (mode === 'copy') {
        // Copying run r: the next source block starts exactly at e - delta (blocks are consecutive).
        const r = runs[ri];
        const blk = await blocks.atOrAfter(e - delta);
        const covers = blk !== null && r.o0 + r.len >= blk.end;
        if (blk && covers && pos - delta >= blk.end) {
          // The source's final block ends the new stream (keep BFINAL) or more follows (clear it): wait to know.
          if (blk.final && pos === blk.end + delta && !final) return;
          const last = blk.final && pos === blk.end + delta;
          if (blk.final && !last) seg!.clear = blk.bit;
          await seg!.block(blk);
          blocks.take();
          stats.copied += blk.end - blk.start;
          advance(blk.end - blk.start);
          if (last) {
            await seg!.close(false);
            ended = true;
            return;
          }
          continue;
        }
        if (covers || (blk && !settled(r, final))) return; // its bytes, or the run's next ones, are still to come
        await seg!.close(true);
        seg = undefined;
        mode = 'deflate';
        continue;
      }
      // Deflate mode: is there a block to start copying at? The earliest is in the first run still ahead of e.
      let cand: { r: Run; blk: SourceBlock } | undefined;
      while (ri < runs.length) {
        const r = runs[ri];
        if (r.n0 + r.len <= e) {
          ri++;
          continue;
        }
        const d = r.n0 - r.o0;
        const blk = await blocks.atOrAfter(Math.max(r.o0 + (r.o0 === 0 ? 0 : WINDOW), e - d));
        if (!blk) {
          ri = runs.length; // the source has no more blocks to copy
          break;
        }
        if (r.o0 + r.len < blk.end && settled(r, final)) {
          ri++;
          continue;
        }
        cand = { r, blk };
        break;
      }
      let limit = Infinity;
      if (cand) {
        const { r, blk } = cand;
        const d = r.n0 - r.o0;
        const ready = r.o0 + r.len >= blk.end && pos - d >= blk.end && !(blk.final && pos === blk.end + d && !final);
        if (ready) {
          await deflateTo(blk.start + d);
          await drain();
          mode = 'copy';
          delta = d;
          seg = new BitCopy(pages, blk.bit, emit);
          continue;
        }
        limit = blk.start + d;
      }
      if (pos - e >= chunk && limit >= e + chunk) {
        await deflateTo(e + chunk);
        continue;
      }
      if (final) await deflateTo(pos);
      return;
    }
  };

  const stream = new TransformStream<Uint8Array, Uint8Array>({
    start(c) {
      ctl = c;
      c.enqueue(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, level < 2 ? 4 : level === 9 ? 2 : 0, 3]));
    },
    async transform(c) {
      if (!c.length) return;
      try {
        await crcStream.update(c);
        append(c);
        pos += c.length;
        await pump(false);
        flushOut();
      } catch (e) {
        crcStream.drop(); // nothing more comes: let its worker forget it
        throw e;
      }
    },
    async flush() {
      let crc: number;
      try {
        await pump(true);
        await drain();
        crc = parseInt(await crcStream.hex(), 16);
      } catch (e) {
        crcStream.drop();
        throw e;
      }
      // An empty final fixed-Huffman block unless the source's own final block ended the stream; CRC-32, ISIZE.
      if (!ended) emit(Uint8Array.of(0x03, 0x00));
      const t = new Uint8Array(8);
      const v = new DataView(t.buffer);
      v.setUint32(0, crc, true);
      v.setUint32(4, pos % 2 ** 32, true);
      emit(t);
      flushOut();
      stats.walked = blocks.walked;
    },
  });

  return {
    same(n, o, len) {
      if (len <= 0) return;
      const last = runs[runs.length - 1];
      if (last) {
        if (last.n0 + last.len === n && last.o0 + last.len === o) {
          last.len += len;
          return;
        }
        if (n < last.n0 + last.len || o < last.o0 + last.len) return;
      }
      if (n < pos) return; // those bytes were already taken as new ones
      runs.push({ n0: n, o0: o, len });
    },
    stream,
    stats: () => ({ ...stats, walked: blocks.walked }),
  };
}

