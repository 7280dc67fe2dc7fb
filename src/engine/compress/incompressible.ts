// Decides, cheaply and deterministically, that deflate could not shrink a chunk (issue 11, build speed): a
// layer's already-compressed files (.gz, .jar, .png, .woff2, .xz, compressed kernel modules) cost fflate's
// level 6 ~35 ms per MiB for no gain, while checking them costs a few ms. deflateChunk stores such chunks.
//
// Deflate gains in two ways, and the chunk is called incompressible only when neither can gain ~1 %:
// - Huffman coding of skewed byte frequencies. Measured as the chi-square distance of the byte histogram from
//   uniform, χ² = 256·Σp² − 1, compared exactly in integers (no Math.log: its last bit may differ between JS
//   engines, and the output must be the same bytes everywhere). KL(p‖uniform) ≤ ln(1 + χ²), so χ² ≤ 1/16 means
//   the order-0 entropy is ≥ 7.91 bits/byte whatever the histogram (≈ 7.955 for a nearly uniform one).
// - LZ77 matches, which high-entropy data can still have (a random block repeated): a greedy, level-1-style scan
//   hashes each 4-byte sequence into a table of last positions over dict + data, takes a match of ≥ 4 bytes
//   within deflate's 32 KiB window, skips past it, and counts the bytes matches cover; it gives up (compressible)
//   as soon as they cover 1 % of the chunk. Deflate's 3-byte matches are left out: in random data they occur by
//   chance (~0.2 % of positions) and save nothing.

const WINDOW = 32 * 1024;
const MAX_MATCH = 258;
const HASH_BITS = 13;
/** Below this, deflating is cheap anyway and a small sample's histogram says little: always deflate. */
export const MIN_STORE = 8 * 1024;

/** True only when deflate could not gain ≥ ~1 % on `data` (with `dict`, the 32 KiB before it). Pure. */
export function incompressible(data: Uint8Array, dict: Uint8Array): boolean {
  // Matches first: on compressible input (text, tar headers, binaries) they pass 1 % within the first few KiB.
  return data.length >= MIN_STORE && !hasMatches(data, dict) && flatHistogram(data);
}

/** χ² of the byte histogram from uniform ≤ 1/16, i.e. 4096·Σc² ≤ 17·n², exactly (BigInt: Σc² may pass 2^53/4096). */
export function flatHistogram(data: Uint8Array): boolean {
  const counts = new Uint32Array(256);
  for (let i = 0; i < data.length; i++) counts[data[i]]++;
  let sq = 0; // Σc² ≤ n² — exact in a double for any chunk under 90 MiB
  for (let b = 0; b < 256; b++) sq += counts[b] * counts[b];
  const n = BigInt(data.length);
  return 4096n * BigInt(sq) <= 17n * n * n;
}

/** Whether greedy ≥ 4-byte matches within 32 KiB cover ≥ 1 % of `data`. */
export function hasMatches(data: Uint8Array, dict: Uint8Array): boolean {
  const d = dict.length > WINDOW ? dict.subarray(dict.length - WINDOW) : dict;
  const buf = new Uint8Array(d.length + data.length);
  buf.set(d);
  buf.set(data, d.length);
  const limit = Math.ceil(data.length / 100);
  // Per hash bucket the last position (+1, 0 = none) and its 4 bytes: a candidate is rejected by comparing the
  // stored value, without reading the input at a random earlier position (most of the cost on random data).
  // Interleaved (position at 2h, value at 2h + 1) so that both share a cache line.
  const table = new Int32Array(2 << HASH_BITS);
  const shift = 32 - HASH_BITS - 1;
  const end = buf.length - 3; // last position with 4 bytes to hash
  let covered = 0;
  let v = (buf[0] << 8) | (buf[1] << 16) | (buf[2] << 24); // bytes p-1..p+2 (little-endian) before each step
  for (let p = 0; p < end; p++) {
    v = (v >>> 8) | (buf[p + 3] << 24);
    const h = (Math.imul(v, 0x9e3779b1) >>> shift) & ~1;
    const same = table[h + 1] === v; // almost never on random data: the tight loop stays branch-predictable
    const q = table[h] - 1;
    table[h] = p + 1;
    table[h + 1] = v;
    // The dictionary is only a source of matches: its own bytes are not counted.
    if (same && q >= 0 && p - q <= WINDOW && p >= d.length) {
      let len = 4;
      const max = Math.min(MAX_MATCH, buf.length - p);
      while (len < max && buf[q + len] === buf[p + len]) len++;
      covered += len;
      if (covered >= limit) return true;
      // Skip past the match (its positions are not recorded, as fast deflate levels do); reload v for p + len.
      p += len - 1;
      if (p + 1 < end) v = buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16) | (buf[p + 3] << 24);
    }
  }
  return false;
}
