// CRC-32 (IEEE, as gzip's trailer uses it). fflate's Gunzip does not check the trailer, so the gzip
// decoder here does; and the layer encoder takes the CRC-32 of every tar it writes in the calling thread (the
// decode guard's check, guard.ts), so speed matters: slicing-by-16 over 32-bit loads from an Int32Array view
// (~1.5x slicing-by-8 with byte loads, measured in V8), byte by byte only up to the first 4-byte boundary and
// after the last 16-byte group. The word loads assume a little-endian machine (every platform a browser or Node
// runs on); on a big-endian one the byte loop does all the work.

const T = new Int32Array(256 * 16);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  T[n] = c;
}
for (let n = 0; n < 256; n++) {
  for (let t = 1; t < 16; t++) T[t * 256 + n] = (T[(t - 1) * 256 + n] >>> 8) ^ T[T[(t - 1) * 256 + n] & 0xff];
}
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** Continues a CRC-32 (start with 0) over `d`; returns it as an unsigned 32-bit number. */
export function crc32(d: Uint8Array, crc = 0): number {
  let c = ~crc;
  let i = 0;
  const n = d.length;
  if (LITTLE_ENDIAN && n >= 64) {
    while ((d.byteOffset + i) & 3) c = T[(c ^ d[i++]) & 0xff] ^ (c >>> 8);
    const w = new Int32Array(d.buffer, d.byteOffset + i, (n - i) >> 2);
    const m = w.length & ~3;
    for (let k = 0; k < m; k += 4) {
      const a = c ^ w[k];
      const b = w[k + 1];
      const e = w[k + 2];
      const f = w[k + 3];
      c =
        T[3840 + (a & 0xff)] ^ T[3584 + ((a >>> 8) & 0xff)] ^ T[3328 + ((a >>> 16) & 0xff)] ^ T[3072 + (a >>> 24)] ^
        T[2816 + (b & 0xff)] ^ T[2560 + ((b >>> 8) & 0xff)] ^ T[2304 + ((b >>> 16) & 0xff)] ^ T[2048 + (b >>> 24)] ^
        T[1792 + (e & 0xff)] ^ T[1536 + ((e >>> 8) & 0xff)] ^ T[1280 + ((e >>> 16) & 0xff)] ^ T[1024 + (e >>> 24)] ^
        T[768 + (f & 0xff)] ^ T[512 + ((f >>> 8) & 0xff)] ^ T[256 + ((f >>> 16) & 0xff)] ^ T[f >>> 24];
    }
    i += m * 4;
  }
  for (; i < n; i++) c = T[(c ^ d[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** CRC-32 as a stream hasher (the pool's `crc32` streams): hex() is the 8 hex digits of the CRC. */
export function crc32Hasher(): { update(d: Uint8Array): void; hex(): string } {
  let c = 0;
  return {
    update: (d) => void (c = crc32(d, c)),
    hex: () => c.toString(16).padStart(8, '0'),
  };
}

// crc32Combine: zlib's crc32_combine. Appending n zero bits to a message multiplies its CRC register by a
// fixed 32x32 matrix over GF(2); squaring that matrix gives the operator for 2n bits, and so on. Used to join
// the CRCs of chunks deflated independently (possibly on other threads) into the gzip trailer's one CRC.

function gf2Times(mat: Uint32Array, vec: number): number {
  let sum = 0;
  for (let i = 0; vec; i++, vec >>>= 1) if (vec & 1) sum ^= mat[i];
  return sum >>> 0;
}

function gf2Square(square: Uint32Array, mat: Uint32Array): void {
  for (let n = 0; n < 32; n++) square[n] = gf2Times(mat, mat[n]);
}

/** CRC-32 of A followed by B, from crc32(A), crc32(B) and B's length. */
export function crc32Combine(crcA: number, crcB: number, lenB: number): number {
  if (lenB <= 0) return crcA >>> 0;
  const even = new Uint32Array(32);
  const odd = new Uint32Array(32);
  odd[0] = 0xedb88320; // the operator for one zero bit
  for (let n = 1, row = 1; n < 32; n++, row <<= 1) odd[n] = row;
  gf2Square(even, odd); // two zero bits
  gf2Square(odd, even); // four zero bits
  let c = crcA >>> 0;
  let len = lenB;
  for (;;) {
    gf2Square(even, odd); // first pass: one zero byte
    if (len % 2) c = gf2Times(even, c);
    len = Math.floor(len / 2);
    if (!len) break;
    gf2Square(odd, even);
    if (len % 2) c = gf2Times(odd, c);
    len = Math.floor(len / 2);
    if (!len) break;
  }
  return (c ^ crcB) >>> 0;
}
