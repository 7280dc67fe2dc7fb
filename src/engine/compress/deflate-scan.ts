// Turns a complete raw deflate stream (what fflate's deflateSync writes: its last block has BFINAL set) into a
// piece that can be followed by more deflate data: the final-block bit is cleared and an empty stored block
// (3 header bits, padding, 00 00 FF FF — what zlib's Z_SYNC_FLUSH writes) ends it on a byte boundary.
//
// A Huffman-coded block has no length field, so the only way to find where the last block starts and where its
// end-of-block code stops is to walk every block's codes. This walker decodes symbols without producing output
// (no window, no copies), and doubles as a structural check of what the encoder wrote: a malformed stream throws.

import { LwError } from '../errors';

// Length and distance extra bits (RFC 1951 3.2.5).
const LEN_EXTRA = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0, 0, 0]);
const DIST_EXTRA = new Uint8Array([0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 0, 0]);
// Order in which code-length code lengths are stored.
const CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

const bad = (why: string) => new LwError('encoder-failed', `The deflate encoder wrote invalid data (${why}).`);

/**
 * A decoding table for a canonical Huffman code: indexed by the next `bits` input bits (LSB first), each entry is
 * `symbol << 4 | codeLength`; 0 marks a bit pattern no code starts with.
 */
interface Table {
  t: Int32Array;
  bits: number;
}

function table(lengths: Uint8Array, n: number): Table {
  let max = 0;
  const count = new Uint16Array(16);
  for (let i = 0; i < n; i++) {
    count[lengths[i]]++;
    if (lengths[i] > max) max = lengths[i];
  }
  count[0] = 0;
  const next = new Uint16Array(16);
  for (let len = 1, code = 0; len <= 15; len++) {
    code = (code + count[len - 1]) << 1;
    next[len] = code;
  }
  const bits = Math.max(max, 1);
  const t = new Int32Array(1 << bits);
  for (let sym = 0; sym < n; sym++) {
    const len = lengths[sym];
    if (!len) continue;
    const code = next[len]++;
    if (code >= 1 << len) throw bad('over-subscribed Huffman code');
    let rev = 0;
    for (let i = 0; i < len; i++) rev |= ((code >> i) & 1) << (len - 1 - i);
    for (let i = rev; i < 1 << bits; i += 1 << len) t[i] = (sym << 4) | len;
  }
  return { t, bits };
}

const FIXED_LIT = (() => {
  const l = new Uint8Array(288);
  l.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
  return table(l, 288);
})();
const FIXED_DIST = table(new Uint8Array(30).fill(5), 30);

export interface BlockEnds {
  /** Bit position of the last block's BFINAL bit. */
  finalBit: number;
  /** Bit position just after the last block's end-of-block code (or its stored data). */
  endBit: number;
}

/** Walks every block of a raw deflate stream; throws `encoder-failed` if it is malformed or runs past its end. */
export function scanDeflate(d: Uint8Array): BlockEnds {
  const limit = d.length * 8;
  let p = 0;
  // Up to 24 bits from bit p on (reads past the end give zeros; the position is checked against `limit`).
  const peek = (): number => {
    const i = p >>> 3;
    return ((d[i] | (d[i + 1] << 8) | (d[i + 2] << 16) | (d[i + 3] << 24)) >>> (p & 7));
  };
  const bits = (n: number): number => {
    const v = peek() & ((1 << n) - 1);
    p += n;
    return v;
  };
  const sym = (tb: Table): number => {
    const e = tb.t[peek() & ((1 << tb.bits) - 1)];
    if (!e) throw bad('no Huffman code matches');
    p += e & 15;
    return e >>> 4;
  };
  for (;;) {
    const start = p;
    const final = bits(1);
    const type = bits(2);
    if (type === 0) {
      p = (p + 7) & ~7;
      const i = p >>> 3;
      if (i + 4 > d.length) throw bad('stored block header past the end');
      const len = d[i] | (d[i + 1] << 8);
      if ((len ^ (d[i + 2] | (d[i + 3] << 8))) !== 0xffff) throw bad('stored block length check');
      p += (4 + len) * 8;
    } else if (type === 3) {
      throw bad('reserved block type');
    } else {
      let lit = FIXED_LIT;
      let dist = FIXED_DIST;
      if (type === 2) {
        const hlit = bits(5) + 257;
        const hdist = bits(5) + 1;
        const hclen = bits(4) + 4;
        const cl = new Uint8Array(19);
        for (let i = 0; i < hclen; i++) cl[CL_ORDER[i]] = bits(3);
        const clt = table(cl, 19);
        const lens = new Uint8Array(hlit + hdist);
        for (let i = 0; i < hlit + hdist; ) {
          const s = sym(clt);
          if (s < 16) lens[i++] = s;
          else {
            let rep: number;
            let v = 0;
            if (s === 16) {
              if (!i) throw bad('repeat with no previous length');
              v = lens[i - 1];
              rep = 3 + bits(2);
            } else rep = s === 17 ? 3 + bits(3) : 11 + bits(7);
            if (i + rep > hlit + hdist) throw bad('code lengths overflow');
            lens.fill(v, i, i + rep);
            i += rep;
          }
          if (p > limit) throw bad('block header past the end');
        }
        if (!lens[256]) throw bad('no end-of-block code');
        lit = table(lens.subarray(0, hlit), hlit);
        dist = table(lens.subarray(hlit), hdist);
      }
      const lt = lit.t;
      const lmask = (1 << lit.bits) - 1;
      for (;;) {
        const e = lt[peek() & lmask];
        if (!e) throw bad('no Huffman code matches');
        p += e & 15;
        const s = e >>> 4;
        if (s < 256) continue;
        if (s === 256) break;
        if (s > 285) throw bad('invalid length symbol');
        p += LEN_EXTRA[s - 257];
        const ds = sym(dist);
        if (ds > 29) throw bad('invalid distance symbol');
        p += DIST_EXTRA[ds];
        if (p > limit) throw bad('block data past the end');
      }
    }
    if (p > limit) throw bad('block past the end');
    if (final) return { finalBit: start, endBit: p };
  }
}

/** A raw deflate stream made joinable: BFINAL cleared, ended on a byte boundary by an empty stored block. */
export function syncPiece(d: Uint8Array): Uint8Array {
  const { finalBit, endBit } = scanDeflate(d);
  const head = (endBit + 3 + 7) >>> 3; // the stored block's 3 header bits (all zero), then padding
  const out = new Uint8Array(head + 4);
  out.set(d.subarray(0, Math.min(head, d.length)));
  out[finalBit >>> 3] &= ~(1 << (finalBit & 7));
  // Everything after the end-of-block code must be zero: the stored header bits and the padding.
  const i = endBit >>> 3;
  out[i] &= (1 << (endBit & 7)) - 1;
  out.fill(0, i + 1, head);
  out[head + 2] = 0xff;
  out[head + 3] = 0xff;
  return out;
}
