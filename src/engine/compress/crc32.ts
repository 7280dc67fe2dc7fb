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
