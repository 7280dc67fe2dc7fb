// Path helpers for layer entries. Tar paths are stored as written ('./usr/bin/', '/etc/x', 'a//b');
// the OCI layer rules compare *cleaned* relative paths, so everything here works on the cleaned form.

/** 'too-long': over PATH_MAX or a component over NAME_MAX (the tar reader's `tooLong`): no engine can extract it. */
export type PathProblem = 'absolute' | 'escapes-root' | 'too-long';

export interface CleanPath {
  /** Cleaned, relative, no trailing slash; '' is the root itself. */
  path: string;
  /** Set when the stored path was absolute or climbs above the root with '..'. */
  problem?: PathProblem;
}

/**
 * Cleans a stored tar path the way Docker and containerd do before extracting (filepath.Clean relative to the
 * root): drops './', empty components and trailing '/', resolves '..'. A '..' that would climb above the
 * root is reported (engines refuse such entries) and clamped so the result is still a usable key.
 */
export function cleanPath(stored: string): CleanPath {
  const absolute = stored.startsWith('/');
  const out: string[] = [];
  let escapes = false;
  for (const part of stored.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) escapes = true;
      else out.pop();
      continue;
    }
    out.push(part);
  }
  const path = out.join('/');
  if (escapes) return { path, problem: 'escapes-root' };
  if (absolute) return { path, problem: 'absolute' };
  return { path };
}

/** Parent of a cleaned path: 'a/b/c' -> 'a/b', 'a' -> '' (the root). */
export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** Last component of a cleaned path. */
export function baseOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

/** Proper ancestors of a cleaned path, nearest first: 'a/b/c' -> ['a/b', 'a']. The root '' is not listed. */
export function ancestorsOf(path: string): string[] {
  const out: string[] = [];
  let p = parentOf(path);
  while (p !== '') {
    out.push(p);
    p = parentOf(p);
  }
  return out;
}

/** Joins a symlink's target to the directory holding the link, inside the root (absolute targets start at the root). */
export function resolveLinkTarget(linkPath: string, target: string): CleanPath {
  const base = target.startsWith('/') ? target : `${parentOf(linkPath)}/${target}`;
  const c = cleanPath(base);
  // An absolute symlink target is normal (it is resolved inside the container's root), not a problem.
  return c.problem === 'absolute' ? { path: c.path } : c;
}
