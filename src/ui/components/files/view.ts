// Pure helpers of the file browser (no DOM): compare results as rows, diagnosis problems by path, dates.

import { differences, type CompareResult, type DiffKind } from '../../../engine/ops/explore/compare';
import type { LayerChanges } from '../../../engine/ops/explore/changes';
import type { ProblemView } from '../../../protocol';
import type { ViewRow } from './types';

/** Show filter: every path, or only those a layer (or compare) added, changed or removed. */
export type ShowKind = 'all' | DiffKind;
export const SHOW_KINDS: { value: ShowKind; label: string }[] = [
  { value: 'all', label: 'All' },
  { value: 'added', label: 'Added' },
  { value: 'changed', label: 'Changed' },
  { value: 'removed', label: 'Removed' },
];

/** A compare's differences as rows (a removed path shows what it was), only those of `show` unless 'all'. */
export function diffRows(r: CompareResult, show: ShowKind): ViewRow[] {
  const out: ViewRow[] = [];
  for (const d of r.diffs) {
    if (show !== 'all' && d.kind !== show) continue;
    const s = d.after ?? d.before!;
    out.push({ ...s, change: d.kind, what: d.what, before: d.before });
  }
  return out;
}

/** A layer's changes (changes.ts, the one function that says what a layer changed) as Show rows: added and changed
 * paths with the layer's own entry (and what differs from the one below), removed ones as what they were (a
 * removed folder carries the bytes of its whole subtree). */
export function changeRows(lc: LayerChanges, entries: readonly ViewRow[], show: ShowKind): ViewRow[] {
  const stored = new Map<string, ViewRow>();
  for (const e of entries) if (!e.whiteout) stored.set(e.path, e); // the last entry of a path is the one that stays
  const out: ViewRow[] = [];
  for (const c of lc.changes) {
    if (show !== 'all' && c.kind !== show) continue;
    if (c.kind === 'removed') {
      const b = c.before ?? { path: c.path, type: c.type, size: 0, mode: 0, uid: 0, gid: 0, mtime: 0, linkpath: '' };
      out.push({ ...b, path: c.path, size: c.size, change: 'removed', before: c.before, layer: undefined });
      continue;
    }
    const e = stored.get(c.path) ?? { path: c.path, type: c.type, size: c.size, mode: 0, uid: 0, gid: 0, mtime: 0, linkpath: '' };
    const row: ViewRow = { ...e, change: c.kind };
    if (c.kind === 'changed' && c.before) {
      const what = differences(c.before, e);
      // Same metadata: the layer stores the path again (its bytes are not compared).
      row.what = what.length ? what : ['rewritten'];
      row.before = c.before;
    }
    out.push(row);
  }
  return out;
}

type Counts = Pick<CompareResult, 'added' | 'changed' | 'removed' | 'addedBytes' | 'changedBytes' | 'removedBytes'>;

/** Counts line of a compare or a layer's changes: "3 added (1.2 kB) · 1 changed · 2 removed (20 B)". */
export function diffCounts(r: Counts, fmt: (n: number) => string): string {
  const part = (n: number, what: string, bytes: number) => `${n.toLocaleString('en')} ${what}${bytes ? ` (${fmt(bytes)})` : ''}`;
  return [part(r.added, 'added', r.addedBytes), part(r.changed, 'changed', r.changedBytes), part(r.removed, 'removed', r.removedBytes)].join(' · ');
}

/** A problem's path as the listings spell it: no leading './' or '/', no trailing '/'. */
export function cleanProblemPath(p: string): string {
  return p.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
}

/** The diagnosis problems of one image by path; only those of `layer` when given (a layer view). */
export function problemsByPath(problems: readonly ProblemView[] | undefined, image: number, layer?: number): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of problems ?? []) {
    if (p.image !== undefined && p.image !== image) continue;
    if (layer !== undefined && p.layer !== undefined && p.layer !== layer) continue;
    for (const raw of p.paths ?? []) {
      const path = cleanProblemPath(raw);
      const list = out.get(path) ?? [];
      list.push(p.message);
      out.set(path, list);
    }
  }
  return out;
}

/** An mtime (seconds) as 'YYYY-MM-DD HH:MM' UTC; '—' when unset. */
export function when(s: number): string {
  if (!Number.isFinite(s) || s === 0) return '—';
  const d = new Date(s * 1000);
  return Number.isNaN(d.getTime()) ? String(s) : d.toISOString().slice(0, 16).replace('T', ' ');
}
