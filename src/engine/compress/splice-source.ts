// The source side of deflate splicing (splice.ts): the blocks of a stored gzip layer, walked lazily from a Blob in
// bounded windows (deflate-walk.ts), and a bit copier that moves a run of those blocks into a new stream that
// starts it on a byte boundary (deflate blocks are bit-aligned: a copy at a different bit offset is shifted).

import { walkBlock } from './deflate-walk';

const READ = 1 << 20;
/** A block whose compressed bytes exceed this stops the walk (no encoder we know writes one; splicing just ends). */
const MAX_WINDOW = 64 << 20;

/** One deflate block of the source: where it starts in bits (absolute in the blob) and which bytes it decodes to. */
export interface SourceBlock {
  bit: number;
  endBit: number;
  /** Offsets in the uncompressed stream: the block decodes to [start, end). */
  start: number;
  end: number;
  final: boolean;
  /** A stored block: its data is byte-aligned in the source, and must be in the copy too. */
  stored: boolean;
}

async function read(blob: Blob, from: number, to: number): Promise<Uint8Array> {
  return new Uint8Array(await blob.slice(from, Math.min(to, blob.size)).arrayBuffer());
}

/**
 * The source's bytes in aligned pages, a few kept: the block walker and the bit copier read the same
 * compressed bytes one after the other (the copy trails the walk by a few blocks), so each page is read from the
 * Blob once instead of twice (a Blob read costs the page's thread more than the walk itself, measured in Chromium).
 */
export class SourcePages {
  private readonly pages = new Map<number, Promise<Uint8Array>>();
  constructor(readonly blob: Blob) {}

  private page(i: number): Promise<Uint8Array> {
    let p = this.pages.get(i);
    if (!p) {
      p = read(this.blob, i * PAGE, (i + 1) * PAGE);
      this.pages.set(i, p);
      // Keep the newest few: insertion order is age.
      if (this.pages.size > KEPT_PAGES) this.pages.delete(this.pages.keys().next().value!);
    }
    return p;
  }

  /** Bytes [from, to) (to clipped to the blob's end); a view when they lie in one page, else a copy. */
  async read(from: number, to: number): Promise<Uint8Array> {
    to = Math.min(to, this.blob.size);
    if (to <= from) return new Uint8Array(0);
    if (to - from > PAGE) return read(this.blob, from, to); // a huge block (rare): read it directly
    const first = Math.floor(from / PAGE);
    const last = Math.floor((to - 1) / PAGE);
    // Read ahead: the walk goes forward, so the next page is fetched while this one is walked (a Blob read is
    // asynchronous; waiting for each one left the thread idle).
    if ((last + 1) * PAGE < this.blob.size) void this.page(last + 1).catch(() => {});
    if (first === last) return (await this.page(first)).subarray(from - first * PAGE, to - first * PAGE);
    const out = new Uint8Array(to - from);
    for (let i = first; i <= last; i++) {
      const pg = await this.page(i);
      const a = Math.max(from, i * PAGE);
      const b = Math.min(to, (i + 1) * PAGE);
      out.set(pg.subarray(a - i * PAGE, b - i * PAGE), a - from);
    }
    return out;
  }
}
/** Pages are 4 READ windows, so most windows lie in one page (a view, no copy); 4 pages are kept (16 MiB). */
const PAGE = 4 * READ;
const KEPT_PAGES = 4;

/**
 * Byte offset where a single gzip member's deflate data starts (RFC 1952 2.3: FEXTRA, FNAME, FCOMMENT, FHCRC), or
 * undefined when the blob does not start with a gzip header this can splice.
 */
export async function deflateStart(blob: Blob): Promise<number | undefined> {
  const h = await read(blob, 0, 64 * 1024);
  if (h.length < 18 || h[0] !== 0x1f || h[1] !== 0x8b || h[2] !== 8 || h[3] & 0xe0) return undefined;
  const flg = h[3];
  let p = 10;
  if (flg & 4) p += 2 + (h[10] | (h[11] << 8));
  const zstring = () => {
    while (p < h.length && h[p] !== 0) p++;
    p++;
  };
  if (flg & 8) zstring();
  if (flg & 16) zstring();
  if (flg & 2) p += 2;
  return p + 8 <= blob.size && p < h.length ? p : undefined;
}

/** Walks the source's blocks forward, on demand; stops (no more blocks) at the final block or at data it can't walk. */
export class SourceBlocks {
  private win: Uint8Array = new Uint8Array(0);
  private winAt = 0; // blob byte offset of win[0]
  private bit: number;
  private pos = 0;
  private done = false;
  private readonly queue: SourceBlock[] = [];
  /** Blocks walked so far (for tests and measurements). */
  walked = 0;

  private readonly blob: Blob;
  constructor(
    private readonly src: SourcePages,
    start: number,
  ) {
    this.blob = src.blob;
    this.bit = start * 8;
  }

  private async walkNext(): Promise<SourceBlock | null> {
    if (this.done) return null;
    for (;;) {
      const rel = this.bit - this.winAt * 8;
      let b;
      try {
        b = rel >= 0 && this.win.length ? walkBlock(this.win, rel) : null;
      } catch {
        b = undefined; // not deflate we can walk: splice no further (the native decoder judges the source itself)
      }
      if (b === undefined) return this.stop();
      if (b === null) {
        // The block does not end inside the window: read a larger one starting at the block's byte.
        const at = Math.floor(this.bit / 8);
        const have = this.winAt + this.win.length;
        if (have >= this.blob.size && at >= this.winAt) return this.stop();
        const len = Math.max(READ, 2 * (have - at));
        if (len > MAX_WINDOW) return this.stop();
        this.win = await this.src.read(at, at + len);
        this.winAt = at;
        continue;
      }
      const blk: SourceBlock = { bit: this.bit, endBit: this.winAt * 8 + b.endBit, start: this.pos, end: this.pos + b.size, final: b.final, stored: b.type === 0 };
      this.bit = blk.endBit;
      this.pos = blk.end;
      this.walked++;
      if (b.final) this.done = true;
      return blk;
    }
  }

  private stop(): null {
    this.done = true;
    this.win = new Uint8Array(0);
    return null;
  }

  /** The first block not yet taken whose start is ≥ `at`; earlier ones are passed over for good. */
  async atOrAfter(at: number): Promise<SourceBlock | null> {
    for (;;) {
      while (this.queue.length && this.queue[0].start < at) this.queue.shift();
      if (this.queue.length) return this.queue[0];
      const b = await this.walkNext();
      if (!b) return null;
      this.queue.push(b);
    }
  }

  /** Takes the block atOrAfter returned. */
  take(): void {
    this.queue.shift();
  }
}

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/**
 * o[i] = the 8 source bits starting at bit s of src[i] (src must hold n + 1 bytes): the copy shifted onto a byte
 * boundary. Four output bytes per step, stored as one 32-bit word where the machine is little-endian (every one a
 * browser runs on); the byte loop finishes the rest.
 */
function shiftBytes(src: Uint8Array, o: Uint8Array, n: number, s: number): void {
  let i = 0;
  if (LITTLE_ENDIAN && o.byteOffset % 4 === 0) {
    const o32 = new Uint32Array(o.buffer, o.byteOffset, n >>> 2);
    const r = 32 - s;
    for (let k = 0; k < o32.length; k++, i += 4)
      o32[k] = ((src[i] | (src[i + 1] << 8) | (src[i + 2] << 16) | (src[i + 3] << 24)) >>> s) | (src[i + 4] << r);
  }
  for (; i < n; i++) o[i] = (src[i] >>> s) | ((src[i + 1] << (8 - s)) & 0xff);
}

/**
 * Copies source bits [from, to) to the output as bytes starting on a byte boundary, growing `to` block by block;
 * closed either by an empty stored block (BFINAL 0, BTYPE 00, padding, 00 00 FF FF: the next piece starts on a
 * byte boundary) or, when the copy carries the source's final block as the end of the new stream, by padding.
 */
export class BitCopy {
  private out = 0; // output bytes written since `from`: they hold source bits [from, from + 8 * out)
  private from: number;
  private to: number;
  private win: Uint8Array = new Uint8Array(0);
  private winAt = 0;
  /** Absolute source bit to write as 0 (the BFINAL bit of a final block copied into the middle), or -1. */
  clear = -1;

  private readonly blob: Blob;
  constructor(
    private readonly src: SourcePages,
    from: number,
    private readonly emit: (b: Uint8Array) => void,
  ) {
    this.blob = src.blob;
    this.from = from;
    this.to = from;
  }

  /**
   * Copies one block. A stored block's LEN, NLEN and data start on a byte boundary after its 3 header bits, in
   * the source and in the copy alike: when the copy is shifted, its header bits are written, the copy is padded
   * to a byte, and the rest is copied unshifted (after a stored block the shift is 0).
   */
  async block(b: { bit: number; endBit: number; stored: boolean }): Promise<void> {
    if (!b.stored || this.from % 8 === 0) {
      await this.extend(b.endBit);
      return;
    }
    await this.extend(b.bit + 3);
    await this.close(false);
    this.from = this.to = Math.ceil((b.bit + 3) / 8) * 8;
    this.out = 0;
    await this.extend(b.endBit);
  }

  private async bytes(k: number, n: number): Promise<Uint8Array> {
    if (k < this.winAt || k + n > this.winAt + this.win.length) {
      this.win = await this.src.read(k, k + Math.max(n, READ));
      this.winAt = k;
    }
    return this.win.subarray(k - this.winAt, k - this.winAt + n);
  }

  /** Extends the copy to source bit `to`, writing every output byte whose 8 bits are now known. */
  async extend(to: number): Promise<void> {
    this.to = to;
    const s = this.from % 8;
    for (;;) {
      const n = Math.min(READ, Math.floor((to - this.from) / 8) - this.out);
      if (n <= 0) return;
      const k = Math.floor(this.from / 8) + this.out;
      const src = await this.bytes(k, Math.min(n + 1, this.blob.size - k));
      const o = new Uint8Array(n);
      if (s === 0) o.set(src.subarray(0, n));
      else shiftBytes(src, o, n, s);
      this.fix(o, this.out);
      this.out += n;
      this.emit(o);
    }
  }

  private fix(o: Uint8Array, at: number): void {
    if (this.clear < 0) return;
    const b = this.clear - this.from - 8 * at;
    if (b >= 0 && b < 8 * o.length) o[Math.floor(b / 8)] &= ~(1 << b % 8);
  }

  /** Writes the last bits; `sync` adds the empty stored block that ends the copy on a byte boundary. */
  async close(sync: boolean): Promise<void> {
    const r = this.to - this.from - 8 * this.out; // 0..7 bits left
    let v = 0;
    if (r > 0) {
      const pos = this.from + 8 * this.out;
      const k = Math.floor(pos / 8);
      const src = await this.bytes(k, Math.min(2, this.blob.size - k));
      v = ((src[0] >>> pos % 8) | ((src[1] ?? 0) << (8 - (pos % 8)))) & ((1 << r) - 1);
    }
    let tail: Uint8Array;
    if (!sync) tail = r > 0 ? Uint8Array.of(v) : new Uint8Array(0);
    else if (r + 3 <= 8) tail = Uint8Array.of(v, 0, 0, 0xff, 0xff);
    else tail = Uint8Array.of(v, 0, 0, 0, 0xff, 0xff);
    if (r > 0) this.fix(tail.subarray(0, 1), this.out);
    if (tail.length) this.emit(tail);
  }
}
