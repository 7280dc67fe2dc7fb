// How the Problems panel reads a diagnosis: a one-line verdict, problems grouped by kind (errors first), repairs
// named in words, and the engine's `code` spans split out so they render as code instead of showing backticks.
// Pure functions (unit-tested in test/unit/ui/problems.test.ts).

import type { ProblemView, RepairId } from '../protocol';

type Severity = ProblemView['severity'];
const ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** What each kind of problem is, in a few words (the code stays visible beside it, smaller). */
const TITLES: Record<string, string> = {
  'whiteout-under-non-directory': 'Whiteouts under a symlink',
  'parent-not-directory': 'Entries under a symlink or file',
  'dir-over-lower-symlink': 'A directory replaces a lower symlink',
  'symlink-hides-lower-files': 'A symlink hides files of lower layers',
  'command-hidden': "The image's command is hidden",
  'duplicate-path': 'The same path twice in a layer',
  'bare-whiteout': 'Whiteouts that name no file',
  'whiteout-without-target': 'Whiteouts of paths no lower layer has',
  'unsafe-path': 'Paths outside the image root',
  'hardlink-target-missing': 'Hardlinks to missing files',
  'layer-unreadable': 'A layer cannot be read',
  'missing-blob': 'A blob is missing',
  'size-mismatch': 'A blob has the wrong size',
  'digest-mismatch': 'A blob does not match its digest',
  'diffid-mismatch': "A layer does not match the config's checksum of it (diff_id)",
  'history-layer-mismatch': 'History does not pair with layers',
  'unknown-media-type': 'An unknown media type',
  'config-missing-field': 'The config lacks a required field',
  'unreferenced-blob': 'Blobs nothing refers to',
  'suspicious-expansion': 'A layer unpacks to far more than it stores (a decompression bomb?)',
  'too-large': 'A layer is larger than the safety limits allow',
};

/** Why the verdict says Docker refuses (or cannot run) the image, for the first error group. */
const REFUSALS: Record<string, (g: ProblemGroup) => string> = {
  'whiteout-under-non-directory': (g) => {
    const n = g.paths.length || g.count;
    const dirs = [...new Set(g.paths.map((p) => p.replace(/\/[^/]*$/, '')))].map((d) => `\`${d}\``);
    const where = dirs.length === 0 ? 'a symlink' : dirs.length <= 3 ? listWords(dirs) : `${dirs.slice(0, 2).join(', ')} and ${dirs.length - 2} more`;
    return `${n} whiteout${n === 1 ? '' : 's'} under ${where}`;
  },
  'command-hidden': () => "the image's command is hidden by a symlink",
};

const REPAIRS: Record<RepairId, string> = {
  'drop-redundant-whiteouts': 'Remove the redundant whiteouts',
  'drop-duplicates': 'Drop earlier copies of duplicated paths',
  'drop-bare-whiteouts': 'Drop whiteouts that name no file',
  'drop-unsafe-entries': 'Drop paths that climb out of the root',
  'fix-descriptors': 'Correct wrong blob sizes and digests',
  'fix-diff-ids': "Correct the config's layer checksums (diff_ids)",
  gc: 'Remove blobs nothing refers to',
  'carry-over-hidden-files': 'Carry hidden files over to where the symlink points',
};

function listWords(items: string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export function problemTitle(code: string): string {
  return TITLES[code] ?? code;
}

export function repairLabel(id: RepairId | string): string {
  return REPAIRS[id as RepairId] ?? id;
}

export interface ProblemGroup {
  code: string;
  severity: Severity;
  title: string;
  /** Problems of this kind (each one's message is listed). */
  problems: ProblemView[];
  count: number;
  /** Layers concerned, ascending. */
  layers: number[];
  /** Every path of every problem in the group, in order, without duplicates. */
  paths: string[];
}

/** Problems of one kind and severity together; errors first, then warnings, then info; stable otherwise. */
export function groupProblems(problems: ProblemView[]): ProblemGroup[] {
  const groups = new Map<string, ProblemGroup>();
  for (const p of problems) {
    const key = `${p.severity}\u0000${p.code}`;
    let g = groups.get(key);
    if (!g) {
      g = { code: p.code, severity: p.severity, title: problemTitle(p.code), problems: [], count: 0, layers: [], paths: [] };
      groups.set(key, g);
    }
    g.problems.push(p);
    g.count++;
    if (p.layer !== undefined && !g.layers.includes(p.layer)) g.layers.push(p.layer);
    for (const path of p.paths ?? []) if (!g.paths.includes(path)) g.paths.push(path);
  }
  const list = [...groups.values()];
  list.forEach((g) => g.layers.sort((a, b) => a - b));
  return list.sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
}

export interface Verdict {
  tone: 'bad' | 'warn' | 'ok';
  /** One line; `code` spans use backticks (render with codeSegments). */
  text: string;
}

export function verdict(problems: ProblemView[]): Verdict {
  const groups = groupProblems(problems);
  const errors = groups.filter((g) => g.severity === 'error');
  const count = (s: Severity) => problems.filter((p) => p.severity === s).length;
  if (errors.length) {
    const first = errors[0];
    const why = REFUSALS[first.code]?.(first) ?? first.title.charAt(0).toLowerCase() + first.title.slice(1);
    const more = count('error') - first.count;
    return { tone: 'bad', text: `Docker will refuse this image: ${why}${more > 0 ? ` (and ${more} more error${more === 1 ? '' : 's'})` : ''}` };
  }
  const warnings = count('warning');
  if (warnings)
    return { tone: 'warn', text: `Engines will load this image, with ${warnings} warning${warnings === 1 ? '' : 's'}: ${groups[0].title.toLowerCase()}` };
  const notes = count('info');
  return { tone: 'ok', text: notes ? `No problems (${notes} note${notes === 1 ? '' : 's'})` : 'No problems' };
}

/** Splits "a `b` c" into text and code parts, so the UI renders <code> and never shows the backticks. */
export function codeSegments(text: string): { code: boolean; text: string }[] {
  const parts = text.split('`');
  // An odd count of backticks leaves the last one literal: keep that tail as text.
  if (parts.length % 2 === 0) parts.splice(parts.length - 2, 2, `${parts[parts.length - 2]}\`${parts[parts.length - 1]}`);
  return parts.map((t, i) => ({ code: i % 2 === 1, text: t })).filter((s) => s.text !== '');
}
