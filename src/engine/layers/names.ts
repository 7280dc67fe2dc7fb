// Layer entry names judged as the engines' extractors read them (issue 14), so that diagnose and verify never call
// harmless what Docker or containerd act on differently. The reference is Go: archive/tar refuses a PAX `path` or
// `linkpath` holding a NUL (ErrHeader: the whole layer fails to load), moby's UnpackLayer cleans every name with
// filepath.Clean (so `a/../b` lands at `b`, silently), refuses names that climb out of the root, and for a
// whiteout `.wh.<x>` removes filepath.Join(dir, x) — for a bare `.wh.` and for `.wh..` that is the directory holding it, for `.wh...`
// its parent: at the top of a layer, the layer root itself or what lies above it (test/oracle checks all of it).
// Pure functions; messages quote the stored names, never cleaned ones.

export type NameIssueCode = 'name-has-nul' | 'dotdot-in-name' | 'whiteout-escapes' | 'unsafe-path';

export interface NameIssue {
  code: NameIssueCode;
  severity: 'error' | 'warning';
  /** Position of the entry in the layer tar. */
  ordinal: number;
  /** The name as stored (NUL shown as \0). */
  stored: string;
  message: string;
}

/** Most issues kept per layer: a hostile layer of a million bad names must not fill memory. */
export const MAX_NAME_ISSUES = 1000;

/** A stored name for a message: NUL made visible (other control characters are escaped by the CLI and UI). */
export function showStored(name: string): string {
  return name.replace(/\0/g, '\\0');
}

/** The components of a stored name as filepath.Clean sees them ('' and '.' dropped). */
function parts(name: string): string[] {
  return name.split('/').filter((p) => p !== '' && p !== '.');
}

/** Where Go's filepath.Clean puts a relative name: the cleaned parts, and whether it climbs above the root. */
export function goClean(name: string): { parts: string[]; escapes: boolean } {
  const out: string[] = [];
  let escapes = false;
  for (const p of parts(name)) {
    if (p !== '..') out.push(p);
    else if (out.length) out.pop();
    else escapes = true;
  }
  return { parts: out, escapes };
}

/**
 * What moby's UnpackLayer removes for a whiteout name, relative to the layer root ('' = the root, a leading '..'
 * = above it), or undefined when the name is not a whiteout (or is the opaque marker).
 */
export function whiteoutRemoves(name: string): string | undefined {
  const { parts: p } = goClean(name);
  const base = p[p.length - 1];
  if (base === undefined || !base.startsWith('.wh.') || base === '.wh..wh..opq') return undefined;
  const t = goClean([...p.slice(0, -1), base.slice(4)].join('/'));
  // Only a name at the top can climb above the root this way (one level: `.wh...`).
  return t.escapes ? ['..', ...t.parts].join('/') : t.parts.join('/');
}

/** Judges one entry's stored name (and link target); [] when the engines read it as layerwright does. */
export function judgeName(ordinal: number, path: string, linkpath = ''): NameIssue[] {
  const out: NameIssue[] = [];
  const stored = showStored(path);
  if (path.includes('\0') || linkpath.includes('\0'))
    out.push({
      code: 'name-has-nul', severity: 'error', ordinal, stored,
      message: `The entry "${stored}"${linkpath.includes('\0') ? ` (link target "${showStored(linkpath)}")` : ''} has a NUL byte in its name: Go's archive/tar (Docker, containerd) refuses the layer ("invalid tar header"), other readers cut the name at the NUL and see another file.`,
    });
  const { parts: clean, escapes } = goClean(path);
  if (escapes)
    out.push({
      code: 'unsafe-path', severity: 'error', ordinal, stored,
      message: `The entry "${stored}" climbs out of the layer root: Docker and containerd refuse the layer ("breakout").`,
    });
  else if (parts(path).includes('..'))
    out.push({
      code: 'dotdot-in-name', severity: 'warning', ordinal, stored,
      message: `The entry "${stored}" has ".." in its name: engines clean it and extract it as "${clean.join('/') || '/'}", without following any symlink on the way, so it may land elsewhere than the name suggests.`,
    });
  // Whatever the entry's type: extractors decide on the name alone.
  const base = clean[clean.length - 1];
  if (base === '.wh.') {
    // A bare whiteout names nothing: filepath.Join(dir, "") is dir itself, so moby removes the directory holding it.
    const removes = whiteoutRemoves(path)!;
    out.push({
      code: 'whiteout-escapes', severity: 'error', ordinal, stored,
      message: `The bare whiteout "${stored}" names no file: Docker's extractor removes filepath.Join(dir, "") — ${removes === '' ? 'the layer root itself (everything below it)' : `the directory "${removes}" holding it`} — instead of one file; other readers ignore it or refuse the layer.`,
    });
  } else if (base === '.wh..' || base === '.wh...') {
    const removes = whiteoutRemoves(path)!;
    const what =
      removes === '' ? 'the layer root itself (everything below it)'
      : removes.startsWith('..') ? 'a directory above the layer root'
      : `the directory "${removes}"`;
    out.push({
      code: 'whiteout-escapes', severity: 'error', ordinal, stored,
      message: `The whiteout "${stored}" names "${base.slice(4)}": Docker's extractor removes filepath.Join(dir, "${base.slice(4)}") — ${what} — instead of one file; other readers ignore it.`,
    });
  }
  return out;
}
