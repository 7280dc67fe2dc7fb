// Split mode (the seed's later OCI_LAYER_MODE=multi): rules `name:/path` put entries at or below /path into a
// layer of their own, in rule order; the first matching rule wins; everything else goes into a final layer.
// Each rule layer also repeats the app's directory entries above its paths, so it is well-formed on its own.

import { LwError } from '../errors';
import { ancestorsOf, cleanPath } from '../layers/paths';
import { comparePaths, isUnder } from '../layers/merge';
import type { FsNode } from './types';

export interface SplitRule {
  name: string;
  path: string;
}

export interface SplitGroup {
  /** Rule name, or '' for the rest. */
  name: string;
  path?: string;
  nodes: FsNode[];
}

/** `libs:/usr/lib app:/opt/myapp` (spaces, commas or newlines between rules). */
export function parseSplitRules(s: string): SplitRule[] {
  const rules: SplitRule[] = [];
  for (const tok of s.split(/[\s,]+/).filter(Boolean)) {
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*):(\/?.+)$/.exec(tok);
    const c = m ? cleanPath(m[2]) : undefined;
    if (!m || !c || c.problem === 'escapes-root' || c.path === '')
      throw new LwError('invalid-argument', `Split rule "${tok}" is not NAME:/PATH (e.g. libs:/usr/lib).`, { field: 'split' });
    if (rules.some((r) => r.name === m[1])) throw new LwError('invalid-argument', `Split rule name "${m[1]}" is used twice.`, { field: 'split' });
    rules.push({ name: m[1], path: c.path });
  }
  return rules;
}

/** Groups sorted nodes by rule; groups keep sorted order. Empty rule groups are kept (the caller decides). */
export function splitNodes(nodes: FsNode[], rules: SplitRule[]): SplitGroup[] {
  const groups: SplitGroup[] = rules.map((r) => ({ name: r.name, path: r.path, nodes: [] }));
  const rest: SplitGroup = { name: '', nodes: [] };
  const byPath = new Map(nodes.map((n) => [n.path, n]));
  const added = rules.map(() => new Set<string>());
  for (const n of nodes) {
    const i = rules.findIndex((r) => isUnder(n.path, r.path));
    if (i < 0) {
      rest.nodes.push(n);
      continue;
    }
    for (const a of ancestorsOf(n.path)) {
      const an = byPath.get(a);
      if (an?.type === 'dir' && !added[i].has(a)) {
        added[i].add(a);
        groups[i].nodes.push(an);
      }
    }
    if (!added[i].has(n.path)) {
      added[i].add(n.path);
      groups[i].nodes.push(n);
    }
  }
  for (const g of groups) g.nodes.sort((a, b) => comparePaths(a.path, b.path));
  return [...groups, rest];
}
