// CRC-32 (IEEE, as gzip's trailer uses it). fflate's Gunzip does not check the trailer, so the gzip
// decoder here does; slicing-by-8 keeps it far faster than the inflater it runs beside.

const T = new Int32Array(256 * 8);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  T[n] = c;
}
for (let n = 0; n < 256; n++) {
  for (let t = 1; t < 8; t++) T[t * 256 + n] = T[(t - 1) * 256 + n] >>> 8 ^ T[T[(t - 1) * 256 + n] & 0xff];
}

/** Continues a CRC-32 (start with 0) over `d`; returns it as an unsigned 32-bit number. */
export function crc32(d: Uint8Array, crc = 0): number {
  let c = ~crc;
  let i = 0;
  const n = d.length;
  for (const end8 = n - 7; i < end8; i += 8) {
    const lo = c ^ (d[i] | (d[i + 1] << 8) | (d[i + 2] << 16) | (d[i + 3] << 24));
    c =
      T[1792 + (lo & 0xff)] ^
      T[1536 + ((lo >>> 8) & 0xff)] ^
      T[1280 + ((lo >>> 16) & 0xff)] ^
      T[1024 + (lo >>> 24)] ^
      T[768 + d[i + 4]] ^
      T[512 + d[i + 5]] ^
      T[256 + d[i + 6]] ^
      T[d[i + 7]];
  }
  for (; i < n; i++) c = T[(c ^ d[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
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
