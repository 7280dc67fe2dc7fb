// The vocabulary diagnose (and verify's integrity checks) report in: problem codes, severities, repairs, and the
// small wording helpers every rule module shares. See diagnose.ts for the table of codes.

import type { TarEntryType } from '../../tar/types';
import type { ErrorCode } from '../../errors';

export type Severity = 'error' | 'warning' | 'info';

export type ProblemCode =
  | 'ambiguous-json'
  | 'name-has-nul'
  | 'dotdot-in-name'
  | 'whiteout-escapes'
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
  | 'too-large'
  | 'missing-blob'
  | 'size-mismatch'
  | 'digest-mismatch'
  | 'diffid-mismatch'
  | 'symlink-hides-lower-files'
  | 'command-hidden'
  | 'history-layer-mismatch'
  | 'unknown-media-type'
  | 'unsupported-digest'
  | 'config-missing-field'
  | 'unreferenced-blob'
  | 'unsupported-entry-type';

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


/** The codes of blob integrity, which verify reports too (verify has no severities: each is an error). */
export type IntegrityCode = Extract<
  ProblemCode,
  | 'missing-blob' | 'size-mismatch' | 'digest-mismatch' | 'diffid-mismatch' | 'layer-unreadable' | 'unknown-media-type' | 'unsupported-digest'
  | 'suspicious-expansion' | 'too-large'
  // Issue 14: what the engines read differently (ops/ambiguity.ts, layers/names.ts); verify fails on them too.
  | 'ambiguous-json' | 'name-has-nul' | 'whiteout-escapes' | 'unsafe-path'
>;

/**
 * The problem code for a typed error met while reading a blob: truncated or corrupt data (compressed stream, tar)
 * is `layer-unreadable` in both verbs, an unsupported media type or compression is `unknown-media-type`.
 */
export function integrityCode(code: ErrorCode): IntegrityCode {
  switch (code) {
    case 'digest-mismatch':
    case 'size-mismatch':
    case 'diffid-mismatch':
    case 'missing-blob':
    case 'suspicious-expansion': // not read to its end: the other checks of that blob are incomplete
    case 'too-large':
      return code;
    case 'unsupported-media-type':
      return 'unknown-media-type';
    default:
      return 'layer-unreadable';
  }
}
