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

export function suspicious(stored: number, max: number): LwError {
  const l = limits();
  const ratio = stored > 0 ? Math.floor(max / stored) : Infinity;
  return new LwError(
    'suspicious-expansion',
    `Stopped: ${formatBytes(stored)} of compressed data unpacks to more than ${formatBytes(max)} ` +
      `(over ${ratio}× its size; the limits are ${l.maxExpansionRatio}× past ${formatBytes(l.minExpanded)}, and ` +
      `${formatBytes(l.maxExpanded)} in all). This looks like a decompression bomb. If you trust the image, raise the limits ` +
      `with --max-expansion-ratio N / --max-expanded GiB (the engine options maxExpansionRatio, maxExpanded).`,
  );
}
