// Compare: two filesystems (merged views of two layers of one image, or of two images) → the paths added, removed
// and changed, with what changed. Pure, no DOM, no reads: the caller lists both sides (mergedView) and says where
// each file's bytes come from (`source`), which is how content is compared without reading it:
//  - the same source on both sides (the same entry of the same layer blob, by digest) → the content is the same;
//  - a different size → the content differs;
//  - otherwise (same size, bytes in different blobs) the content is not known: it is reported as "rewritten".
// What container-diff does by hashing every file, offline and without reading a byte of content.

import type { EntryStat } from '../files-common';

/** A path of one side: its metadata and, when known, where its content is stored ('<blob digest>#<entry ordinal>'). */
export interface CompareEntry extends EntryStat {
  source?: string;
  /** A folder no layer stores (merged view): it exists because of what is in it. */
  implied?: boolean;
}

export type DiffKind = 'added' | 'changed' | 'removed';
/** What differs between the two sides of a changed path. */
export type DiffField = 'type' | 'size' | 'mode' | 'owner' | 'link' | 'mtime' | 'content' | 'rewritten';

export interface PathDiff {
  path: string;
  kind: DiffKind;
  /** Type and size of the new entry, or of what was removed. */
  type: EntryStat['type'];
  size: number;
  before?: EntryStat;
  after?: EntryStat;
  /** For 'changed': what differs (non-empty). */
  what: DiffField[];
}

export interface CompareResult {
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
  /** Bytes of regular files added, removed, and of the new side of changed files. */
  addedBytes: number;
  removedBytes: number;
  changedBytes: number;
  /** Every difference, sorted by path. */
  diffs: PathDiff[];
}

const stat = (e: CompareEntry): EntryStat => ({
  path: e.path, type: e.type, size: e.size, mode: e.mode, uid: e.uid, gid: e.gid, mtime: e.mtime, linkpath: e.linkpath,
});

/** What differs between two entries at the same path; empty when nothing that can be told apart does. */
export function differences(a: CompareEntry, b: CompareEntry): DiffField[] {
  const what: DiffField[] = [];
  if (a.type !== b.type) what.push('type');
  if (a.size !== b.size) what.push('size');
  if (a.mode !== b.mode) what.push('mode');
  if (a.uid !== b.uid || a.gid !== b.gid) what.push('owner');
  if (a.linkpath !== b.linkpath) what.push('link');
  if (a.mtime !== b.mtime) what.push('mtime');
  if (a.type === 'file' && b.type === 'file') {
    if (a.size !== b.size) what.push('content');
    // Same size, bytes stored in different places: written again, content not compared.
    // (Both sources unknown: nothing to tell; an empty file has no content to differ.)
    else if (a.size > 0 && a.source !== b.source) what.push('rewritten');
  }
  return what;
}

/** The differences from filesystem `a` (before) to filesystem `b` (after). The root path '' is not compared. */
export function compareFilesystems(a: readonly CompareEntry[], b: readonly CompareEntry[]): CompareResult {
  const before = new Map<string, CompareEntry>();
  for (const e of a) if (e.path !== '') before.set(e.path, e);
  const r: CompareResult = { added: 0, changed: 0, removed: 0, unchanged: 0, addedBytes: 0, removedBytes: 0, changedBytes: 0, diffs: [] };
  const bytes = (e: EntryStat) => (e.type === 'file' ? e.size : 0);
  // Matched paths leave `before`: what is left at the end was removed. (Each side lists a path once.)
  for (const e of b) {
    if (e.path === '') continue;
    const old = before.get(e.path);
    if (!old) {
      r.added++;
      r.addedBytes += bytes(e);
      r.diffs.push({ path: e.path, kind: 'added', type: e.type, size: bytes(e), after: stat(e), what: [] });
      continue;
    }
    before.delete(e.path);
    const what = differences(old, e);
    if (what.length === 0) {
      r.unchanged++;
      continue;
    }
    r.changed++;
    r.changedBytes += bytes(e);
    r.diffs.push({ path: e.path, kind: 'changed', type: e.type, size: bytes(e), before: stat(old), after: stat(e), what });
  }
  for (const [path, old] of before) {
    // An implied folder is listed only while something is in it; extraction would keep it once made. Its
    // disappearance is that of its contents (reported path by path), not a removal of its own.
    if (old.implied) continue;
    r.removed++;
    r.removedBytes += bytes(old);
    r.diffs.push({ path, kind: 'removed', type: old.type, size: bytes(old), before: stat(old), what: [] });
  }
  r.diffs.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  return r;
}

/** Plain words for what changed ('size, mode'); 'rewritten' says the content was not compared. */
export function describeDiff(d: PathDiff): string {
  if (d.kind !== 'changed') return d.kind;
  return d.what.map((w) => (w === 'rewritten' ? 'written again (content not compared)' : w === 'link' ? 'link target' : w)).join(', ');
}
