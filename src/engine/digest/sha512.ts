// Incremental SHA-512 (FIPS 180-4) for streamed blobs named "sha512:<hex>" — the image-spec's descriptor.md
// registers sha512 beside sha256, so a layer digested that way must verify without reading it into memory.
// JavaScript has no fast 64-bit integers (BigInt allocates), so every 64-bit word is a pair of int32 halves
// (hi, lo) in Int32Arrays and additions carry by hand. sha512 blobs are rare; this favours clarity over the
// hand-unrolled speed of sha256.ts.

import { BlockHash } from './block-hash';

// Round constants: the first 64 bits of the fractional parts of the cube roots of the first 80 primes,
// as [hi, lo] pairs.
const K_PAIRS = [
  0x428a2f98, 0xd728ae22, 0x71374491, 0x23ef65cd, 0xb5c0fbcf, 0xec4d3b2f, 0xe9b5dba5, 0x8189dbbc,
  0x3956c25b, 0xf348b538, 0x59f111f1, 0xb605d019, 0x923f82a4, 0xaf194f9b, 0xab1c5ed5, 0xda6d8118,
  0xd807aa98, 0xa3030242, 0x12835b01, 0x45706fbe, 0x243185be, 0x4ee4b28c, 0x550c7dc3, 0xd5ffb4e2,
  0x72be5d74, 0xf27b896f, 0x80deb1fe, 0x3b1696b1, 0x9bdc06a7, 0x25c71235, 0xc19bf174, 0xcf692694,
  0xe49b69c1, 0x9ef14ad2, 0xefbe4786, 0x384f25e3, 0x0fc19dc6, 0x8b8cd5b5, 0x240ca1cc, 0x77ac9c65,
  0x2de92c6f, 0x592b0275, 0x4a7484aa, 0x6ea6e483, 0x5cb0a9dc, 0xbd41fbd4, 0x76f988da, 0x831153b5,
  0x983e5152, 0xee66dfab, 0xa831c66d, 0x2db43210, 0xb00327c8, 0x98fb213f, 0xbf597fc7, 0xbeef0ee4,
  0xc6e00bf3, 0x3da88fc2, 0xd5a79147, 0x930aa725, 0x06ca6351, 0xe003826f, 0x14292967, 0x0a0e6e70,
  0x27b70a85, 0x46d22ffc, 0x2e1b2138, 0x5c26c926, 0x4d2c6dfc, 0x5ac42aed, 0x53380d13, 0x9d95b3df,
  0x650a7354, 0x8baf63de, 0x766a0abb, 0x3c77b2a8, 0x81c2c92e, 0x47edaee6, 0x92722c85, 0x1482353b,
  0xa2bfe8a1, 0x4cf10364, 0xa81a664b, 0xbc423001, 0xc24b8b70, 0xd0f89791, 0xc76c51a3, 0x0654be30,
  0xd192e819, 0xd6ef5218, 0xd6990624, 0x5565a910, 0xf40e3585, 0x5771202a, 0x106aa070, 0x32bbd1b8,
  0x19a4c116, 0xb8d2d0c8, 0x1e376c08, 0x5141ab53, 0x2748774c, 0xdf8eeb99, 0x34b0bcb5, 0xe19b48a8,
  0x391c0cb3, 0xc5c95a63, 0x4ed8aa4a, 0xe3418acb, 0x5b9cca4f, 0x7763e373, 0x682e6ff3, 0xd6b2b8a3,
  0x748f82ee, 0x5defb2fc, 0x78a5636f, 0x43172f60, 0x84c87814, 0xa1f0ab72, 0x8cc70208, 0x1a6439ec,
  0x90befffa, 0x23631e28, 0xa4506ceb, 0xde82bde9, 0xbef9a3f7, 0xb2c67915, 0xc67178f2, 0xe372532b,
  0xca273ece, 0xea26619c, 0xd186b8c7, 0x21c0c207, 0xeada7dd6, 0xcde0eb1e, 0xf57d4f7f, 0xee6ed178,
  0x06f067aa, 0x72176fba, 0x0a637dc5, 0xa2c898a6, 0x113f9804, 0xbef90dae, 0x1b710b35, 0x131c471b,
  0x28db77f5, 0x23047d84, 0x32caab7b, 0x40c72493, 0x3c9ebe0a, 0x15c9bebc, 0x431d67c4, 0x9c100d4c,
  0x4cc5d4be, 0xcb3e42b6, 0x597f299c, 0xfc657e2a, 0x5fcb6fab, 0x3ad6faec, 0x6c44198c, 0x4a475817,
];
const KH = new Int32Array(80);
const KL = new Int32Array(80);
for (let i = 0; i < 80; i++) {
  KH[i] = K_PAIRS[2 * i];
  KL[i] = K_PAIRS[2 * i + 1];
}

const IV = [
  0x6a09e667, 0xf3bcc908, 0xbb67ae85, 0x84caa73b, 0x3c6ef372, 0xfe94f82b, 0xa54ff53a, 0x5f1d36f1,
  0x510e527f, 0xade682d1, 0x9b05688c, 0x2b3e6c1f, 0x1f83d9ab, 0xfb41bd6b, 0x5be0cd19, 0x137e2179,
];

export class Sha512 extends BlockHash {
  // h holds [hi0, lo0, hi1, lo1, ...]: the digest's big-endian word order.
  private readonly wh = new Int32Array(80);
  private readonly wl = new Int32Array(80);

  constructor() {
    super('Sha512', 128, 16, 64, IV);
  }

  // Compresses the 128-byte blocks d[start..end). A 64-bit rotate right by n of (hi, lo) is, for n < 32,
  // hi' = hi>>>n | lo<<(32-n), lo' = lo>>>n | hi<<(32-n); for n ≥ 32 the halves swap first.
  protected blocks(d: Uint8Array, start: number, end: number): void {
    const wh = this.wh;
    const wl = this.wl;
    const h = this.h;
    for (let p = start; p < end; p += 128) {
      for (let i = 0, j = p; i < 16; i++, j += 8) {
        wh[i] = (d[j] << 24) | (d[j + 1] << 16) | (d[j + 2] << 8) | d[j + 3];
        wl[i] = (d[j + 4] << 24) | (d[j + 5] << 16) | (d[j + 6] << 8) | d[j + 7];
      }
      for (let i = 16; i < 80; i++) {
        // σ0(x) = ROTR1 ^ ROTR8 ^ SHR7
        const xh = wh[i - 15], xl = wl[i - 15];
        const s0h = ((xh >>> 1) | (xl << 31)) ^ ((xh >>> 8) | (xl << 24)) ^ (xh >>> 7);
        const s0l = ((xl >>> 1) | (xh << 31)) ^ ((xl >>> 8) | (xh << 24)) ^ ((xl >>> 7) | (xh << 25));
        // σ1(x) = ROTR19 ^ ROTR61 ^ SHR6
        const yh = wh[i - 2], yl = wl[i - 2];
        const s1h = ((yh >>> 19) | (yl << 13)) ^ ((yl >>> 29) | (yh << 3)) ^ (yh >>> 6);
        const s1l = ((yl >>> 19) | (yh << 13)) ^ ((yh >>> 29) | (yl << 3)) ^ ((yl >>> 6) | (yh << 26));
        // w[i] = σ1 + w[i-7] + σ0 + w[i-16], the low halves summed as unsigned doubles so the carry is exact
        const lo = (s1l >>> 0) + (wl[i - 7] >>> 0) + (s0l >>> 0) + (wl[i - 16] >>> 0);
        wh[i] = (s1h + wh[i - 7] + s0h + wh[i - 16] + ((lo / 0x100000000) | 0)) | 0;
        wl[i] = lo | 0;
      }
      let ah = h[0], al = h[1], bh = h[2], bl = h[3], ch = h[4], cl = h[5], dh = h[6], dl = h[7];
      let eh = h[8], el = h[9], fh = h[10], fl = h[11], gh = h[12], gl = h[13], hh = h[14], hl = h[15];
      for (let i = 0; i < 80; i++) {
        // Σ1(e) = ROTR14 ^ ROTR18 ^ ROTR41
        const S1h = ((eh >>> 14) | (el << 18)) ^ ((eh >>> 18) | (el << 14)) ^ ((el >>> 9) | (eh << 23));
        const S1l = ((el >>> 14) | (eh << 18)) ^ ((el >>> 18) | (eh << 14)) ^ ((eh >>> 9) | (el << 23));
        const chh = (eh & fh) ^ (~eh & gh);
        const chl = (el & fl) ^ (~el & gl);
        const t1l = (hl >>> 0) + (S1l >>> 0) + (chl >>> 0) + (KL[i] >>> 0) + (wl[i] >>> 0);
        const t1h = (hh + S1h + chh + KH[i] + wh[i] + ((t1l / 0x100000000) | 0)) | 0;
        // Σ0(a) = ROTR28 ^ ROTR34 ^ ROTR39
        const S0h = ((ah >>> 28) | (al << 4)) ^ ((al >>> 2) | (ah << 30)) ^ ((al >>> 7) | (ah << 25));
        const S0l = ((al >>> 28) | (ah << 4)) ^ ((ah >>> 2) | (al << 30)) ^ ((ah >>> 7) | (al << 25));
        const majh = (ah & bh) ^ (ah & ch) ^ (bh & ch);
        const majl = (al & bl) ^ (al & cl) ^ (bl & cl);
        const t2l = (S0l >>> 0) + (majl >>> 0);
        const t2h = (S0h + majh + ((t2l / 0x100000000) | 0)) | 0;
        hh = gh; hl = gl;
        gh = fh; gl = fl;
        fh = eh; fl = el;
        const el2 = (dl >>> 0) + (t1l >>> 0); // t1l >>> 0: the low 32 bits of t1, its carry already in t1h
        eh = (dh + t1h + ((el2 / 0x100000000) | 0)) | 0;
        el = el2 | 0;
        dh = ch; dl = cl;
        ch = bh; cl = bl;
        bh = ah; bl = al;
        const al2 = (t1l >>> 0) + (t2l >>> 0);
        ah = (t1h + t2h + ((al2 / 0x100000000) | 0)) | 0;
        al = al2 | 0;
      }
      const add = (k: number, xh: number, xl: number): void => {
        const lo = (h[k + 1] >>> 0) + (xl >>> 0);
        h[k] = (h[k] + xh + ((lo / 0x100000000) | 0)) | 0;
        h[k + 1] = lo | 0;
      };
      add(0, ah, al);
      add(2, bh, bl);
      add(4, ch, cl);
      add(6, dh, dl);
      add(8, eh, el);
      add(10, fh, fl);
      add(12, gh, gl);
      add(14, hh, hl);
    }
  }
}
