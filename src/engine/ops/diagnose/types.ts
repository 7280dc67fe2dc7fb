// The vocabulary diagnose (and verify's integrity checks) report in: problem codes, severities, repairs, and the
// small wording helpers every rule module shares. See diagnose.ts for the table of codes.

import type { TarEntryType } from '../../tar/types';

export type Severity = 'error' | 'warning' | 'info';

export type ProblemCode =
  | 'whiteout-under-non-directory'
  | 'parent-not-directory'
  | 'dir-over-lower-symlink'
  | 'duplicate-path'
  | 'bare-whiteout'
  | 'whiteout-without-target'
  | 'unsafe-path'
  | 'hardlink-target-missing'
  | 'layer-unreadable'
  | 'suspicious-expansion'
  | 'missing-blob'
  | 'size-mismatch'
  | 'digest-mismatch'
  | 'diffid-mismatch'
  | 'symlink-hides-lower-files'
  | 'command-hidden'
  | 'history-layer-mismatch'
  | 'unknown-media-type'
  | 'config-missing-field'
  | 'unreferenced-blob';

export type RepairId =
  | 'drop-redundant-whiteouts'
  | 'drop-duplicates'
  | 'drop-bare-whiteouts'
  | 'drop-unsafe-entries'
  | 'fix-descriptors'
  | 'fix-diff-ids'
  | 'gc'
  | 'carry-over-hidden-files';

/**
 * Repairs that change what the container sees beyond removing defects: planned, but only run when chosen —
 * except carry-over-hidden-files when a command-hidden problem asks for it (planFix then makes it a default).
 */
export const OPTIONAL_REPAIRS: RepairId[] = ['carry-over-hidden-files'];

export interface Problem {
  code: ProblemCode;
  severity: Severity;
  /** Index into archive.images (the first image the problem was found in). */
  image?: number;
  /** Layer index in that image. */
  layer?: number;
  /** Digest of the blob the problem is in (the layer, config, manifest...). */
  blob?: string;
  /** The paths concerned (entries of the layer, or the archive path of a blob). */
  paths?: string[];
  /** Plain words: what is wrong and what a real engine will do with it. */
  message: string;
  /** Id of the repair that resolves it (planFix), when one is safe. */
  fix?: RepairId;
  /** Ordinals (positions in the layer tar) of the entries the repair drops. */
  entries?: number[];
  expected?: string;
  actual?: string;
}

/** Shows at most `n` items of a list in a message. */
export function sample(paths: string[], n = 3): string {
  const shown = paths.slice(0, n).map((p) => `\`${p}\``).join(', ');
  return paths.length > n ? `${shown}, … (${paths.length} in all)` : shown;
}

export function typeWord(t: TarEntryType): string {
  return t === 'file' ? 'regular file' : t === 'hardlink' ? 'hard link' : t === 'char' ? 'character device' : t === 'block' ? 'block device' : t;
}

