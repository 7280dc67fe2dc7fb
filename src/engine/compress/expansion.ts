// Decompression bombs: a layer of 10 GB of zeros is a few KB of zstd or 10 MB of gzip. Reading one is not wrong,
// but it costs minutes and tells the user nothing, so decompressed output past a ceiling — a ratio of the stored
// size (counted only past a floor, since small text layers compress very well) or an absolute cap — stops with
// `suspicious-expansion`, naming the limit and how to raise it.

import { LwError } from '../errors';
import { limits } from '../limits';
import { formatBytes } from '../units';

/** Bytes of output a blob of `stored` bytes may decompress to under the current limits. */
export function expansionCeiling(stored: number): number {
  const l = limits();
  return Math.min(l.maxExpanded, Math.max(l.minExpanded, stored * l.maxExpansionRatio));
}

/** A counter to call with each output chunk's length; throws once the total passes `max` (null: never). */
export function expansionGuard(stored: number, max: number | null): ((n: number) => void) | undefined {
  if (max === null || !Number.isFinite(max)) return undefined;
  let total = 0;
  return (n) => {
    total += n;
    if (total > max) throw suspicious(stored, max);
  };
}

export function suspicious(stored: number, max: number, declared = false): LwError {
  const l = limits();
  const ratio = stored > 0 ? Math.floor(max / stored) : Infinity;
  return new LwError(
    'suspicious-expansion',
    `${declared ? 'Not read' : 'Stopped'}: ${formatBytes(stored)} of compressed data ${declared ? 'declares' : 'unpacks to'} more than ${formatBytes(max)} ` +
      `(over ${ratio}× its size; the limits are ${l.maxExpansionRatio}× past ${formatBytes(l.minExpanded)}, and ` +
      `${formatBytes(l.maxExpanded)} in all). This looks like a decompression bomb. If you trust the image, raise the limits ` +
      `with --max-expansion-ratio N / --max-expanded GiB (the engine options maxExpansionRatio, maxExpanded).`,
  );
}

/**
 * A lower bound on the decompressed size that the stored bytes declare, read before any work: a zstd frame's
 * content size (the first frame's; the total is at least it). 0 when nothing is declared. (gzip's ISIZE trailer
 * is not used: in a truncated or corrupt stream those 4 bytes are anything, and truncation must say so.)
 */
export async function declaredSize(blob: Blob, kind: string): Promise<number> {
  if (kind !== 'zstd' || blob.size < 6) return 0;
  try {
    const h = new Uint8Array(await blob.slice(0, 18).arrayBuffer());
    if (h[0] !== 0x28 || h[1] !== 0xb5 || h[2] !== 0x2f || h[3] !== 0xfd) return 0;
    const f = h[4];
    if (f & 8) return 0; // reserved bit: not a frame header to believe (the decoder says corrupt)
    const single = (f >> 5) & 1;
    const fcsBytes = f >> 6 ? 1 << (f >> 6) : single;
    if (!fcsBytes) return 0;
    const at = 5 + (single ? 0 : 1) + [0, 1, 2, 4][f & 3];
    if (at + fcsBytes > h.length) return 0;
    let v = 0;
    for (let k = fcsBytes - 1; k >= 0; k--) v = v * 256 + h[at + k];
    return fcsBytes === 2 ? v + 256 : v;
  } catch {
    return 0; // unreadable: the decoder will say so
  }
}
