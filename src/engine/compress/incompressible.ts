// Decides, cheaply and deterministically, which parts of a chunk deflate could not shrink (issue 11, build speed):
// a layer's already-compressed files (.gz, .jar, .png, .woff2, .xz, compressed kernel modules) cost fflate's
// level 6 ~35 ms per MiB for no gain, while checking them costs ~7 ms (~1 ms on text). deflateChunk stores them.
//
// Deflate gains in two ways; a 64 KiB segment is stored only when neither can gain ~1 %:
// - Huffman coding of skewed byte frequencies. Measured as the chi-square distance of the byte histogram from
//   uniform, χ² = 256·Σp² − 1, compared exactly in integers (no Math.log: its last bit may differ between JS
//   engines, and the output must be the same bytes everywhere). KL(p‖uniform) ≤ ln(1 + χ²), so χ² ≤ 1/16 means
//   the order-0 entropy is ≥ 7.91 bits/byte whatever the histogram (≈ 7.955 for a nearly uniform one).
// - LZ77 matches, which high-entropy data can still have (a random block repeated): a greedy, level-1-style scan
//   hashes each 4-byte sequence into a table of last positions over dict + data, takes a match of ≥ 4 bytes
//   within deflate's 32 KiB window, skips past it, and counts the bytes matches cover: stored only if < 1 %.
//   Deflate's 3-byte matches are left out: in random data they occur by chance (~0.2 % of positions) and save
//   nothing.
// Everything depends only on (data, dict), never on timing or threads: the output stays the same bytes.

const WINDOW = 32 * 1024;
const MAX_MATCH = 258;
const HASH_BITS = 13;
/** Below this, deflating is cheap anyway and a small sample's histogram says little: always deflate. */
export const MIN_STORE = 8 * 1024;
/**
 * Chunks are judged in segments of this size (the last one takes the remainder), so that a chunk holding the
 * end of one compressed file and the start of a text file is stored where it is random and deflated elsewhere:
 * tar members are not aligned to chunks.
 */
export const SEGMENT = 64 * 1024;

/** A run of `data` ending at `end` (exclusive; it starts where the previous one ends), stored or deflated. */
export interface Run {
  end: number;
  stored: boolean;
}

/** True only when deflate could not gain ≥ ~1 % on any part of `data` (with `dict`, the 32 KiB before it). */
export function incompressible(data: Uint8Array, dict: Uint8Array): boolean {
  const runs = storedRuns(data, dict);
  return runs.length === 1 && runs[0].stored;
}

/** `data` cut into maximal runs of segments that are all stored or all deflated. Pure function of its inputs. */
export function storedRuns(data: Uint8Array, dict: Uint8Array): Run[] {
  const count = Math.max(1, Math.floor(data.length / SEGMENT));
  const ends = Array.from({ length: count }, (_, i) => (i === count - 1 ? data.length : (i + 1) * SEGMENT));
  const starts = ends.map((_, i) => (i ? ends[i - 1] : 0));
  // The histogram first: it is cheap and rules out text, binaries and tar headers, so only segments that look
  // random are scanned for matches.
  const flat = ends.map((end, i) => end - starts[i] >= MIN_STORE && flatHistogram(data.subarray(starts[i], end)));
  const covered = matchCoverage(data, dict, ends, flat);
  const runs: Run[] = [];
  ends.forEach((end, i) => {
    const stored = flat[i] && covered[i] * 100 < end - starts[i];
    if (runs.length && runs[runs.length - 1].stored === stored) runs[runs.length - 1].end = end;
    else runs.push({ end, stored });
  });
  return runs;
}

/** χ² of the byte histogram from uniform ≤ 1/16, i.e. 4096·Σc² ≤ 17·n², exactly (BigInt: Σc² may pass 2^53/4096). */
export function flatHistogram(data: Uint8Array): boolean {
  // Four tables, one per byte of every 4: successive increments rarely hit the same counter (≈ 1.6× faster).
  const c = new Uint32Array(1024);
  const n4 = data.length & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    c[data[i]]++;
    c[256 + data[i + 1]]++;
    c[512 + data[i + 2]]++;
    c[768 + data[i + 3]]++;
  }
  for (; i < data.length; i++) c[data[i]]++;
  let sq = 0; // Σc² ≤ n² — exact in a double for any segment under 90 MiB
  for (let b = 0; b < 256; b++) {
    const k = c[b] + c[256 + b] + c[512 + b] + c[768 + b];
    sq += k * k;
  }
  const n = BigInt(data.length);
  return 4096n * BigInt(sq) <= 17n * n * n;
}

/** Whether greedy ≥ 4-byte matches within 32 KiB cover ≥ 1 % of `data`. */
export function hasMatches(data: Uint8Array, dict: Uint8Array): boolean {
  return matchCoverage(data, dict, [data.length], [true])[0] * 100 >= data.length;
}

/**
 * Bytes of `data` covered by greedy ≥ 4-byte matches within 32 KiB (over dict + data), per segment (`ends`: the
 * segments' exclusive ends, ascending, the last = data.length) where `want` is set (0 elsewhere); a match counts
 * for the segment it starts in. Each run of wanted segments is scanned with the 32 KiB before it hashed first, so
 * it finds every match a scan of everything would.
 */
export function matchCoverage(data: Uint8Array, dict: Uint8Array, ends: number[], want: boolean[]): number[] {
  const covered = ends.map(() => 0);
  if (!want.some(Boolean)) return covered;
  const d = dict.length > WINDOW ? dict.subarray(dict.length - WINDOW) : dict;
  const buf = new Uint8Array(d.length + data.length);
  buf.set(d);
  buf.set(data, d.length);
  const at = ends.map((e) => d.length + e); // segment ends in buf
  const table = new Int32Array(2 << HASH_BITS);
  for (let i = 0; i < ends.length; ) {
    if (!want[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < ends.length && want[j + 1]) j++;
    const from = i ? at[i - 1] : d.length;
    table.fill(0);
    scan(buf, Math.max(0, from - WINDOW), from, at[j], table, at, i, covered);
    i = j + 1;
  }
  return covered;
}

const SHIFT = 32 - HASH_BITS - 1;

/** The greedy scan of buf[start, stop), counting matches that start at or after `count` into covered[seg…]. */
function scan(buf: Uint8Array, start: number, count: number, stop: number, table: Int32Array, at: number[], seg: number, covered: number[]): void {
  // Per hash bucket the last position (+1, 0 = none) and its 4 bytes: a candidate is rejected by comparing the
  // stored value, without reading the input at a random earlier position (most of the cost on random data).
  // Interleaved (position at 2h, value at 2h + 1) so that both share a cache line.
  const end = Math.min(stop, buf.length - 3); // positions with 4 bytes to hash
  let segEnd = at[seg];
  let v = (buf[start] << 8) | (buf[start + 1] << 16) | (buf[start + 2] << 24); // bytes p-1..p+2 before each step
  for (let p = start; p < end; p++) {
    v = (v >>> 8) | (buf[p + 3] << 24);
    const h = (Math.imul(v, 0x9e3779b1) >>> SHIFT) & ~1;
    const same = table[h + 1] === v; // almost never on random data: the tight loop stays branch-predictable
    const q = table[h] - 1;
    table[h] = p + 1;
    table[h + 1] = v;
    // Bytes before `count` (the dictionary, or the lead-in) are only a source of matches: not counted.
    if (same && q >= 0 && p - q <= WINDOW && p >= count) {
      let len = 4;
      const max = Math.min(MAX_MATCH, buf.length - p);
      while (len < max && buf[q + len] === buf[p + len]) len++;
      while (p >= segEnd) segEnd = at[++seg];
      covered[seg] += len;
      // Skip past the match (its positions are not recorded, as fast deflate levels do); reload v for p + len.
      p += len - 1;
      if (p + 1 < end) v = buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16) | (buf[p + 3] << 24);
    }
  }
}
