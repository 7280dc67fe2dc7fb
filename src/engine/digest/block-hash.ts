// What SHA-256 and SHA-512 share (FIPS 180-4 §5.1): the input is cut into blocks, a partial block is carried
// between update() calls, and the last one is padded with 0x80, zeros and the message length in bits, big-endian.
// A subclass only compresses whole blocks into its state `h` (int32 words, big-endian order of the digest).

import { LwError } from '../errors';

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]];
  return s;
}

export abstract class BlockHash {
  protected readonly h: Int32Array;
  private readonly buf: Uint8Array; // a partial block carried between update() calls
  private bufLen = 0;
  private length = 0; // total bytes (a double: exact up to 2^53)
  private result: Uint8Array | null = null;

  /**
   * @param blockSize bytes per block (64 or 128)
   * @param lengthBytes bytes of the length field the padding ends with (8 or 16; only the low 8 are ever non-zero)
   * @param outBytes digest bytes, read from the first words of `h`
   */
  protected constructor(
    private readonly name: string,
    private readonly blockSize: number,
    private readonly lengthBytes: number,
    private readonly outBytes: number,
    iv: readonly number[],
  ) {
    this.h = Int32Array.from(iv);
    this.buf = new Uint8Array(blockSize);
  }

  /** Compresses the whole blocks d[start..end). */
  protected abstract blocks(d: Uint8Array, start: number, end: number): void;

  update(data: Uint8Array): this {
    if (this.result) throw new LwError('invalid-argument', `${this.name}.update() called after digest().`);
    const bs = this.blockSize;
    const len = data.length;
    this.length += len;
    let pos = 0;
    if (this.bufLen > 0) {
      pos = Math.min(bs - this.bufLen, len);
      this.buf.set(data.subarray(0, pos), this.bufLen);
      this.bufLen += pos;
      if (this.bufLen < bs) return this;
      this.blocks(this.buf, 0, bs);
      this.bufLen = 0;
    }
    const end = len - ((len - pos) % bs);
    if (end > pos) this.blocks(data, pos, end);
    if (end < len) {
      this.buf.set(data.subarray(end), 0);
      this.bufLen = len - end;
    }
    return this;
  }

  /** Finishes the hash (padding + length) and returns the digest; repeatable, but ends update(). */
  digest(): Uint8Array {
    if (this.result) return this.result.slice();
    const bs = this.blockSize;
    const bitsHi = Math.floor(this.length / 0x20000000); // length * 8 split without losing precision
    const bitsLo = (this.length * 8) >>> 0;
    const pad = new Uint8Array(this.bufLen < bs - this.lengthBytes ? bs : 2 * bs);
    pad.set(this.buf.subarray(0, this.bufLen));
    pad[this.bufLen] = 0x80;
    const n = pad.length;
    pad[n - 8] = bitsHi >>> 24;
    pad[n - 7] = bitsHi >>> 16;
    pad[n - 6] = bitsHi >>> 8;
    pad[n - 5] = bitsHi;
    pad[n - 4] = bitsLo >>> 24;
    pad[n - 3] = bitsLo >>> 16;
    pad[n - 2] = bitsLo >>> 8;
    pad[n - 1] = bitsLo;
    this.blocks(pad, 0, n);
    const out = new Uint8Array(this.outBytes);
    for (let i = 0; i < this.outBytes / 4; i++) {
      const v = this.h[i];
      out[i * 4] = v >>> 24;
      out[i * 4 + 1] = v >>> 16;
      out[i * 4 + 2] = v >>> 8;
      out[i * 4 + 3] = v;
    }
    this.result = out;
    return out.slice();
  }

  hex(): string {
    return toHex(this.digest());
  }
}
