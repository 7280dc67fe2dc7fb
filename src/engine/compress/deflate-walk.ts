// The one deflate block walker (RFC 1951): decodes a block's Huffman symbols without producing output (no window,
// no copies) to find where the block ends, in bits, and how many bytes it decodes to. Two users:
// - deflate-scan.ts, to find the last block of what our own encoder wrote (and check its structure);
// - splice.ts, to map the blocks of a source gzip layer — (bit offset, uncompressed offset) of each — so that
//   untouched blocks can be copied into a rewritten layer instead of being deflated again.
// A malformed stream throws `encoder-failed` (the scan's meaning); a block that runs past the bytes given returns
// null, so a caller holding a window of a larger stream can read more and walk the block again.

import { LwError } from '../errors';

// Length base values and extra bits for symbols 257..285, distance extra bits (RFC 1951 3.2.5).
const LEN_BASE = new Uint16Array([3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258, 0, 0]);
const LEN_EXTRA = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0, 0, 0]);
const DIST_EXTRA = new Uint8Array([0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 0, 0]);
// Order in which code-length code lengths are stored.
const CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

export const badDeflate = (why: string) => new LwError('encoder-failed', `The deflate encoder wrote invalid data (${why}).`);

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
    if (code >= 1 << len) throw badDeflate('over-subscribed Huffman code');
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

export interface WalkedBlock {
  /** The BFINAL bit was set. */
  final: boolean;
  /** 0 stored, 1 fixed Huffman, 2 dynamic Huffman. */
  type: number;
  /** Bit position just after the block's end-of-block code (or its stored data). */
  endBit: number;
  /** Bytes the block decodes to. */
  size: number;
}

/**
 * Walks the one block whose header starts at bit `p` of `d` (bits LSB first). Returns null when the block does
 * not end within `d` (more input needed); throws `encoder-failed` when the data cannot be deflate.
 */
export function walkBlock(d: Uint8Array, p: number): WalkedBlock | null {
  const limit = d.length * 8;
  // Up to 24 bits from bit p on (reads past the end give zeros; positions are checked against `limit`).
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
    if (!e) throw badDeflate('no Huffman code matches');
    p += e & 15;
    return e >>> 4;
  };
  if (p + 3 > limit) return null;
  const final = bits(1) === 1;
  const type = bits(2);
  let size = 0;
  if (type === 0) {
    p = (p + 7) & ~7;
    const i = p >>> 3;
    if (i + 4 > d.length) return null;
    const len = d[i] | (d[i + 1] << 8);
    if ((len ^ (d[i + 2] | (d[i + 3] << 8))) !== 0xffff) throw badDeflate('stored block length check');
    p += (4 + len) * 8;
    size = len;
  } else if (type === 3) {
    throw badDeflate('reserved block type');
  } else {
    let lit = FIXED_LIT;
    let dist = FIXED_DIST;
    if (type === 2) {
      if (p + 14 > limit) return null;
      const hlit = bits(5) + 257;
      const hdist = bits(5) + 1;
      const hclen = bits(4) + 4;
      if (p + 3 * hclen > limit) return null;
      const cl = new Uint8Array(19);
      for (let i = 0; i < hclen; i++) cl[CL_ORDER[i]] = bits(3);
      const clt = table(cl, 19);
      const lens = new Uint8Array(hlit + hdist);
      for (let i = 0; i < hlit + hdist; ) {
        if (p > limit) return null;
        const s = sym(clt);
        if (s < 16) lens[i++] = s;
        else {
          let rep: number;
          let v = 0;
          if (s === 16) {
            if (!i) throw badDeflate('repeat with no previous length');
            v = lens[i - 1];
            rep = 3 + bits(2);
          } else rep = s === 17 ? 3 + bits(3) : 11 + bits(7);
          if (i + rep > hlit + hdist) throw badDeflate('code lengths overflow');
          lens.fill(v, i, i + rep);
          i += rep;
        }
      }
      if (p > limit) return null;
      if (!lens[256]) throw badDeflate('no end-of-block code');
      lit = table(lens.subarray(0, hlit), hlit);
      dist = table(lens.subarray(hlit), hdist);
    }
    const lt = lit.t;
    const lmask = (1 << lit.bits) - 1;
    for (;;) {
      // Checked for every symbol: past the end the zeros read could be a literal's code forever.
      if (p > limit) return null;
      const e = lt[peek() & lmask];
      if (!e) {
        if (p + lit.bits > limit) return null; // a code cut by the end of the window, not a bad one
        throw badDeflate('no Huffman code matches');
      }
      p += e & 15;
      const s = e >>> 4;
      if (s < 256) {
        size++;
        continue;
      }
      if (s === 256) break;
      if (s > 285) throw badDeflate('invalid length symbol');
      size += LEN_BASE[s - 257] + bits(LEN_EXTRA[s - 257]);
      if (p > limit) return null;
      const de = dist.t[peek() & ((1 << dist.bits) - 1)];
      if (!de) {
        if (p + dist.bits > limit) return null;
        throw badDeflate('no Huffman code matches');
      }
      p += de & 15;
      const ds = de >>> 4;
      if (ds > 29) throw badDeflate('invalid distance symbol');
      p += DIST_EXTRA[ds];
    }
  }
  if (p > limit) return null;
  return { final, type, endBit: p, size };
}
