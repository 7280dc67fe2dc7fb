// fix, planning: which repairs resolve the problems diagnose found, described in plain words before they run.

import type { ImageArchive } from '../oci/archive';
import { OPTIONAL_REPAIRS, type Problem, type ProblemCode, type RepairId } from './diagnose';

export type { RepairId } from './diagnose';

export interface RepairTarget {
  image?: number;
  layer?: number;
  /** The blob the repair rewrites or re-addresses. */
  digest: string;
}

export interface Repair {
  id: RepairId;
  /** Plain words, shown before it runs. */
  description: string;
  /** Layers/blobs it touches. */
  targets: RepairTarget[];
  /** Problem codes it resolves and how many problems. */
  codes: ProblemCode[];
  problems: number;
  /** Entry ordinals (positions in the layer tar) to drop, per layer digest. */
  drop?: Record<string, number[]>;
  /** Corrected address / diff_id, per blob digest. */
  readdress?: Record<string, { digest?: string; size?: number; diffId?: string }>;
  /** Changes what the container sees beyond removing a defect: offered, run only when chosen. */
  optional?: boolean;
}

const DESCRIPTIONS: Record<RepairId, (n: number, where: string) => string> = {
  'drop-redundant-whiteouts': (n, w) =>
    `Remove ${n} whiteout${n > 1 ? 's' : ''} that sit under a symlink or file of the same layer (${w}); the symlink/file already hides the lower directory.`,
  'drop-duplicates': (n, w) => `Drop ${n} earlier cop${n > 1 ? 'ies' : 'y'} of duplicated paths, keeping the last as extraction does (${w}).`,
  'drop-bare-whiteouts': (n, w) => `Drop ${n} bare \`.wh.\` whiteout${n > 1 ? 's' : ''} that name no file (${w}).`,
  'drop-unsafe-entries': (n, w) => `Drop ${n} entr${n > 1 ? 'ies' : 'y'} whose path climbs out of the root with \`../\` (${w}).`,
  'fix-descriptors': (n, w) => `Correct ${n} descriptor${n > 1 ? 's' : ''} whose size or digest does not match the blob (${w}).`,
  'fix-diff-ids': (n, w) => `Write the real diff_id of ${n} layer${n > 1 ? 's' : ''} into the config (${w}).`,
  gc: (n) => `Remove ${n} blob${n > 1 ? 's' : ''} nothing refers to.`,
  'carry-over-hidden-files': (n, w) =>
    `Optional: copy ${n} lower-layer file${n > 1 ? 's' : ''} hidden by a symlink over their directory into the symlink's target (${w}), as Debian's usrmerge does — e.g. /bin/sh becomes /usr/bin/sh.`,
};

/** carry-over-hidden-files when the image's command is among the hidden files: no longer optional. */
function carryOverForCommand(n: number, w: string, commands: string[][]): string {
  // [command] when the command itself is hidden; [command, link] when a link of its exec chain is.
  const c = commands.map(([cmd, link]) => (link ? `\`${cmd}\` (its \`${link}\`)` : `\`${cmd}\``)).join(', ');
  return (
    `Chosen by default because the image's command ${c} is hidden: without this repair \`docker run\` fails with ` +
    `"no such file or directory". Copies ${n} lower-layer file${n > 1 ? 's' : ''} hidden by a symlink over their directory into the ` +
    `symlink's target (${w}), as Debian's usrmerge does — e.g. /bin/sh becomes /usr/bin/sh.`
  );
}

/**
 * The repairs to run when the user picks nothing: all but the optional ones. carry-over-hidden-files is optional
 * unless a command-hidden problem needs it (planFix then leaves it unmarked).
 */
export function defaultRepairs(repairs: Repair[]): Repair[] {
  return repairs.filter((r) => !r.optional);
}

function whereText(targets: RepairTarget[]): string {
  const layers = [...new Set(targets.filter((t) => t.layer !== undefined).map((t) => t.layer))];
  if (layers.length) return `layer${layers.length > 1 ? 's' : ''} ${layers.join(', ')}`;
  return `${targets.length} blob${targets.length > 1 ? 's' : ''}`;
}

/** The repairs that resolve the given problems, one per repair kind, in the order they apply. */
export function planFix(archive: ImageArchive, problems: Problem[]): Repair[] {
  const byId = new Map<RepairId, Repair>();
  const counted = new Map<RepairId, number>();
  // A blob whose digest is wrong in a way no repair may bless: correcting its size alone would leave the stale
  // digest in place, so the descriptor is left as it is (diagnose already withholds the fix; this holds for any
  // problem list handed in).
  const unfixableDigest = new Set(problems.filter((p) => p.code === 'digest-mismatch' && p.fix !== 'fix-descriptors' && p.blob).map((p) => p.blob!));
  for (const p of problems) {
    if (!p.fix) continue;
    if (p.fix === 'fix-descriptors' && p.blob && unfixableDigest.has(p.blob)) continue;
    let r = byId.get(p.fix);
    if (!r) {
      r = { id: p.fix, description: '', targets: [], codes: [], problems: 0 };
      byId.set(p.fix, r);
    }
    r.problems++;
    if (!r.codes.includes(p.code)) r.codes.push(p.code);
    const digest = p.blob;
    if (digest && !r.targets.some((t) => t.digest === digest)) r.targets.push({ image: p.image, layer: p.layer, digest });
    switch (p.fix) {
      case 'drop-redundant-whiteouts':
      case 'drop-duplicates':
      case 'drop-bare-whiteouts':
      case 'drop-unsafe-entries': {
        if (!digest || !p.entries?.length) break;
        r.drop ??= {};
        const set = new Set([...(r.drop[digest] ?? []), ...p.entries]);
        r.drop[digest] = [...set].sort((a, b) => a - b);
        counted.set(p.fix, (counted.get(p.fix) ?? 0) + p.entries.length);
        break;
      }
      case 'fix-descriptors': {
        if (!digest) break;
        r.readdress ??= {};
        const cur = (r.readdress[digest] ??= {});
        const size = archive.blob(digest)?.size;
        if (p.code === 'digest-mismatch' && p.actual) cur.digest = p.actual;
        if (size !== undefined) cur.size = size;
        counted.set(p.fix, (counted.get(p.fix) ?? 0) + 1);
        break;
      }
      case 'fix-diff-ids': {
        if (!digest || !p.actual) break;
        r.readdress ??= {};
        (r.readdress[digest] ??= {}).diffId = p.actual;
        counted.set(p.fix, (counted.get(p.fix) ?? 0) + 1);
        break;
      }
      case 'gc':
      case 'carry-over-hidden-files':
        // command-hidden names the command, not files to carry (they are in symlink-hides-lower-files).
        if (p.code !== 'command-hidden') counted.set(p.fix, (counted.get(p.fix) ?? 0) + (p.paths?.length ?? 0));
        break;
    }
  }
  // Optional repairs stay optional unless the image's command needs one to start.
  for (const r of byId.values()) if (OPTIONAL_REPAIRS.includes(r.id) && !r.codes.includes('command-hidden')) r.optional = true;
  const commands = problems.filter((p) => p.code === 'command-hidden' && p.fix && p.paths?.length).map((p) => p.paths!);
  const order: RepairId[] = [
    'drop-redundant-whiteouts', 'drop-duplicates', 'drop-bare-whiteouts', 'drop-unsafe-entries', 'carry-over-hidden-files',
    'fix-descriptors', 'fix-diff-ids', 'gc',
  ];
  return order
    .filter((id) => byId.has(id))
    .map((id) => {
      const r = byId.get(id)!;
      const n = counted.get(id) ?? r.problems;
      r.description =
        id === 'carry-over-hidden-files' && !r.optional ? carryOverForCommand(n, whereText(r.targets), commands) : DESCRIPTIONS[id](n, whereText(r.targets));
      return r;
    });
}
