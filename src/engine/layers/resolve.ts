// The one path resolver with symlinks, as the kernel resolves a path inside a container (a chroot): component by
// component; a symlink's absolute target restarts at the root, a relative one continues from the link's directory;
// `..` goes to the parent of what was actually reached (not of the text), and `..` at the root stays at the root;
// at most 40 links (Linux's MAXSYMLINKS), then it stops with `loop`. It works on any lookup (a merged filesystem,
// a layer over a base, a rootfs alone), so diagnose, build, fix and the exec-chain check share one set of rules.

import type { TarEntryType } from '../tar/types';
import { LwError } from '../errors';

/** Linux's MAXSYMLINKS: more links than this on one lookup is ELOOP. */
export const MAX_SYMLINKS = 40;

/** What the resolver needs of a path: its type and, for symlinks, the target as stored. */
export interface LinkNode {
  type: TarEntryType;
  linkpath: string;
}

/** Looks up a cleaned relative path ('' = the root); undefined when nothing is there. */
export type Lookup<N extends LinkNode = LinkNode> = (path: string) => N | undefined;

export interface Resolution<N extends LinkNode = LinkNode> {
  /**
   * Where the path leads (cleaned, relative to the root). When a component is missing, the components after it are
   * appended as written (cleaned), so this is also where an entry of that name would be created.
   */
  path: string;
  /** What is there (undefined when missing; a symlink only when `followLast` is false). */
  node?: N;
  /** Every path looked up on the way, in order (the links of the chain a missing file hides). */
  visited: string[];
  /** Each symlink followed: its path and its target as stored. */
  links: { path: string; target: string }[];
  /**
   * Why it did not reach a node: `missing` (a component does not exist: `missingAt` is its path), `not-dir`
   * (a non-directory used as a directory: `missingAt` is that path), `loop` (more than MAX_SYMLINKS links).
   */
  error?: 'missing' | 'not-dir' | 'loop';
  missingAt?: string;
  /** A `..` was clamped at the root (the path or a link target tried to climb out: harmless inside a chroot). */
  clamped?: boolean;
}

export interface ResolveOptions {
  /** Follow a symlink in the last component too (default true, like stat/exec; false is lstat). */
  followLast?: boolean;
  /**
   * A missing component before the last is taken as a directory, as extraction creates missing parents: the
   * result is where an entry of that path would land (build's question), not whether it exists.
   */
  createParents?: boolean;
}

const ROOT_DIR: LinkNode = { type: 'dir', linkpath: '' };

/**
 * Resolves `path` (stored form: absolute or relative, '.', '..' and '//' allowed; always taken from the root)
 * through `lookup`. Never throws; loops and dead ends are in the result.
 */
export function resolve<N extends LinkNode>(lookup: Lookup<N>, path: string, opts: ResolveOptions = {}): Resolution<N> {
  const followLast = opts.followLast ?? true;
  const res: Resolution<N> = { path: '', visited: [], links: [] };
  const cur: string[] = [];
  // Components still to walk, last first (so a link's target can be pushed in front cheaply).
  const todo = split(path).reverse();
  let hops = 0;
  const here = () => cur.join('/');
  while (todo.length) {
    const part = todo.pop()!;
    if (part === '..') {
      if (cur.length === 0) res.clamped = true;
      else cur.pop();
      continue;
    }
    const parent = cur.length === 0 ? ROOT_DIR : lookup(here());
    if (parent && parent.type !== 'dir') {
      res.error = 'not-dir';
      res.missingAt = here();
      res.path = [...cur, part, ...todo.reverse()].join('/');
      return res;
    }
    const p = cur.length === 0 ? part : `${here()}/${part}`;
    res.visited.push(p);
    const n = lookup(p);
    if (!n && opts.createParents && todo.length > 0) {
      cur.push(part);
      continue;
    }
    if (!n) {
      res.error = 'missing';
      res.missingAt = p;
      res.path = clean([...cur, part, ...todo.reverse()]).join('/');
      return res;
    }
    if (n.type === 'symlink' && (todo.length > 0 || followLast)) {
      if (++hops > MAX_SYMLINKS) {
        res.error = 'loop';
        res.missingAt = p;
        res.path = p;
        return res;
      }
      res.links.push({ path: p, target: n.linkpath });
      if (n.linkpath.startsWith('/')) cur.length = 0;
      for (const c of split(n.linkpath).reverse()) todo.push(c);
      continue;
    }
    cur.push(part);
  }
  res.path = here();
  res.node = res.path === '' ? (lookup('') ?? (ROOT_DIR as N)) : lookup(res.path);
  return res;
}

function split(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

/** Lexical clean of the unreached rest of a path ('..' after a missing component cannot be resolved: text rules). */
function clean(parts: string[]): string[] {
  const out: string[] = [];
  for (const c of parts) {
    if (c === '..') out.pop();
    else out.push(c);
  }
  return out;
}

/** resolve()'s path, for callers that only need where a path leads; a loop is a typed `symlink-loop` error. */
export function resolvedPath(lookup: Lookup, path: string): string {
  const r = resolve(lookup, path, { createParents: true });
  if (r.error === 'loop') throw new LwError('symlink-loop', `Too many symlinks resolving ${path} (a loop at ${r.missingAt}).`, { entry: path });
  return r.path;
}
