// Rules that need only one layer's own entries (reported once per layer blob): whiteouts and other entries under
// a non-directory of the same layer, duplicates, bare whiteouts, unsafe paths, hardlinks to nothing.

import type { LayerFacts, ScanEntry } from '../../layers/scan';
import { ancestorsOf, cleanPath, resolveLinkTarget } from '../../layers/paths';
import { isBareWhiteout, isWhiteout, whiteoutTarget } from '../../layers/whiteout';
import { sample, typeWord, type Problem } from './types';

/** Nearest ancestor of `path` that this layer stores as a non-directory (its last entry there). */
export function nonDirAncestorInLayer(facts: LayerFacts, path: string): ScanEntry | undefined {
  for (const a of ancestorsOf(path)) {
    const i = facts.byPath.get(a);
    if (i === undefined) continue;
    const e = facts.entries[i];
    if (e.type !== 'dir') return e;
  }
  return undefined;
}

/** Rules that need only the layer itself (reported once per layer blob). */
export function layerProblems(facts: LayerFacts, where: { image: number; layer: number; blob: string }): Problem[] {
  const out: Problem[] = [];
  const L = `Layer ${where.layer}`;
  // Whiteouts and other entries under a non-directory of the same layer, grouped by that ancestor.
  const whUnder = new Map<string, ScanEntry[]>();
  const entUnder = new Map<string, ScanEntry[]>();
  const bare: ScanEntry[] = [];
  const escapes: ScanEntry[] = [];
  const absolute: ScanEntry[] = [];
  const tooLong: ScanEntry[] = [];
  const badLinks: ScanEntry[] = [];
  const oldSparse: ScanEntry[] = [];
  for (const e of facts.entries) {
    if (e.oldGnuSparse) oldSparse.push(e);
    if (e.pathProblem === 'escapes-root') escapes.push(e);
    else if (e.pathProblem === 'absolute') absolute.push(e);
    else if (e.pathProblem === 'too-long') tooLong.push(e);
    if (isBareWhiteout(e.path)) bare.push(e);
    const anc = nonDirAncestorInLayer(facts, e.path);
    if (anc) {
      const m = isWhiteout(e.path) ? whUnder : entUnder;
      const list = m.get(anc.path);
      if (list) list.push(e);
      else m.set(anc.path, [e]);
    }
    if (e.type === 'hardlink') {
      const t = cleanPath(e.linkpath).path;
      const ti = facts.byPath.get(t);
      // Extraction links to what is already on disk: the target must come earlier in the same layer.
      const earlier = ti !== undefined && (ti < e.ordinal || (facts.duplicates.get(t)?.some((o) => o < e.ordinal) ?? false));
      if (!earlier) badLinks.push(e);
    }
  }
  for (const [anc, list] of whUnder) {
    const a = facts.entries[facts.byPath.get(anc)!];
    const paths = list.map((e) => e.path);
    const firstTarget = list.map((e) => whiteoutTarget(e.path)).find((t) => t !== undefined) ?? `${anc}/…`;
    // Same problem either way; only the explanation differs for a symlink (what each engine does with it).
    const problem = {
      code: 'whiteout-under-non-directory',
      severity: 'error',
      ...where,
      paths,
      entries: list.map((e) => e.ordinal),
      fix: 'drop-redundant-whiteouts',
    } as const;
    if (a.type === 'symlink') {
      const target = resolveLinkTarget(a.path, a.linkpath).path;
      const through = `${target}${firstTarget.slice(anc.length)}`;
      out.push({
        ...problem,
        message:
          `${L} replaces \`${anc}\` with a symlink to \`${a.linkpath}\` and also holds ${list.length} whiteout${list.length > 1 ? 's' : ''} inside it ` +
          `(${sample(paths)}). The symlink alone already hides everything the lower layers had under \`${anc}/\`, so these whiteouts are ` +
          `redundant — and harmful: \`docker load\` fails with \`failed to mknod("/${firstTarget}", S_IFCHR, 0): no such file or directory\`; ` +
          `containerd follows the symlink and writes each whiteout as a 0/0 character device (e.g. at \`${through}\`), silently ` +
          `deleting that file of the lower layers; podman loses those paths too. Fix: drop these whiteouts.`,
      });
    } else {
      out.push({
        ...problem,
        message:
          `${L} stores \`${anc}\` as a ${typeWord(a.type)} and also holds ${list.length} whiteout${list.length > 1 ? 's' : ''} under it (${sample(paths)}). ` +
          `The ${typeWord(a.type)} already replaces whatever the lower layers had at \`${anc}\`; engines cannot create the whiteouts ` +
          `under a non-directory and the load fails (\`not a directory\`). Fix: drop these whiteouts.`,
      });
    }
  }
  for (const [anc, list] of entUnder) {
    const a = facts.entries[facts.byPath.get(anc)!];
    const paths = list.map((e) => e.path);
    const isLink = a.type === 'symlink';
    out.push({
      code: 'parent-not-directory',
      severity: isLink ? 'warning' : 'error',
      ...where,
      paths,
      message: isLink
        ? `${L} stores ${list.length} entr${list.length > 1 ? 'ies' : 'y'} under \`${anc}\` (${sample(paths)}), which the same layer makes a ` +
          `symlink to \`${a.linkpath}\`. Docker and containerd follow the symlink and write them under \`${resolveLinkTarget(anc, a.linkpath).path}/\` ` +
          `(or fail when that does not exist); other tools create a directory instead. Store them under their real path.`
        : `${L} stores ${list.length} entr${list.length > 1 ? 'ies' : 'y'} under \`${anc}\` (${sample(paths)}), which the same layer stores as a ` +
          `${typeWord(a.type)}. Extraction fails with \`not a directory\` in Docker and containerd.`,
    });
  }
  for (const [path, ordinals] of facts.duplicates) {
    const kinds = ordinals.map((o) => typeWord(facts.entries[o].type));
    out.push({
      code: 'duplicate-path',
      severity: 'warning',
      ...where,
      paths: [path],
      entries: ordinals.slice(0, -1),
      fix: 'drop-duplicates',
      message:
        `${L} stores \`${path || '.'}\` ${ordinals.length} times (${kinds.join(', ')}). Extraction keeps the last copy; the earlier ` +
        `ones are dead weight, and the OCI spec forbids duplicate paths in a layer. Fix: keep only the last.`,
    });
  }
  if (bare.length)
    out.push({
      code: 'bare-whiteout',
      severity: 'error', // moby removes the directory holding it (filepath.Join(dir, "")): test/oracle
      ...where,
      paths: bare.map((e) => e.path),
      entries: bare.map((e) => e.ordinal),
      fix: 'drop-bare-whiteouts',
      message:
        `${L} holds ${bare.length} bare whiteout${bare.length > 1 ? 's' : ''} (${sample(bare.map((e) => e.path))}): \`.wh.\` with no name. ` +
        `It names no file; the OCI spec calls it invalid, and Docker's extractor removes the whole directory holding it ` +
        `(filepath.Join(dir, "") is dir). Fix: drop it.`,
    });
  if (escapes.length)
    out.push({
      code: 'unsafe-path',
      severity: 'error',
      ...where,
      paths: escapes.map((e) => e.stored ?? e.path),
      entries: escapes.map((e) => e.ordinal),
      fix: 'drop-unsafe-entries',
      message:
        `${L} holds ${escapes.length} entr${escapes.length > 1 ? 'ies' : 'y'} whose path climbs out of the root with \`../\` ` +
        `(${sample(escapes.map((e) => e.stored ?? e.path))}). Docker refuses the layer as a breakout attempt; containerd refuses or skips it. Fix: drop them.`,
    });
  if (absolute.length)
    out.push({
      code: 'unsafe-path',
      severity: 'warning',
      ...where,
      paths: absolute.map((e) => `/${e.path}`),
      message:
        `${L} holds ${absolute.length} entr${absolute.length > 1 ? 'ies' : 'y'} with an absolute path (${sample(absolute.map((e) => `/${e.path}`))}). ` +
        `Docker and containerd strip the leading \`/\` and extract them inside the image; stricter tools reject them.`,
    });
  if (tooLong.length)
    out.push({
      code: 'unsafe-path',
      severity: 'error',
      ...where,
      paths: tooLong.slice(0, 100).map((e) => e.path),
      entries: tooLong.map((e) => e.ordinal),
      message:
        `${L} holds ${tooLong.length} entr${tooLong.length > 1 ? 'ies' : 'y'} whose path or link name is longer than Linux allows ` +
        `(4096 bytes, or 255 for one component; e.g. ${sample(tooLong.map((e) => e.path.slice(0, 80)))}). No engine can extract them.`,
    });
  // Go's archive/tar hands old GNU sparse entries over with their 'S' type; moby's and containerd's extraction
  // only knows regular types ("unhandled tar header type 83") and umoci says "unknown typeflag". PAX sparse
  // (GNU tar --format=pax, the 1.0 map) comes out of Go's reader as a regular file and extracts fine.
  if (oldSparse.length)
    out.push({
      code: 'unsupported-entry-type',
      severity: 'error',
      ...where,
      paths: oldSparse.map((e) => e.path),
      message:
        `${L} stores ${oldSparse.length} file${oldSparse.length > 1 ? 's' : ''} in GNU tar's old sparse form (tar type 'S': ` +
        `${sample(oldSparse.map((e) => e.path))}): \`docker load\` fails with \`unhandled tar header type 83\` and umoci ` +
        `refuses the layer. Re-create it with \`tar --format=pax\` (or without --sparse).`,
    });
  if (badLinks.length)
    out.push({
      code: 'hardlink-target-missing',
      severity: 'error',
      ...where,
      paths: badLinks.map((e) => e.path),
      message:
        `${L} holds ${badLinks.length} hard link${badLinks.length > 1 ? 's' : ''} whose target is not stored earlier in the same layer ` +
        `(${badLinks.slice(0, 3).map((e) => `\`${e.path}\` → \`${e.linkpath}\``).join(', ')}${badLinks.length > 3 ? ', …' : ''}). ` +
        `Hard links may only point at files of their own layer: \`docker load\` and containerd fail with \`no such file or directory\`.`,
    });
  return out;
}

