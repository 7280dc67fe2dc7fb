// OCI whiteout semantics (image-spec layer.md, "Whiteouts"). All functions take cleaned paths (paths.ts).
//
// - `dir/.wh.NAME` deletes `dir/NAME` of LOWER layers (never an entry of its own layer).
// - `dir/.wh..wh..opq` (opaque) hides every lower child of `dir`, keeping `dir` itself.
// - a bare `.wh.` (nothing after the prefix) names no file: it is invalid and engines disagree on it.
// - Other `.wh..wh.*` names are reserved by AUFS (e.g. `.wh..wh.plnk`); they are not whiteouts of a file.

import { baseOf, parentOf } from './paths';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_WHITEOUT = '.wh..wh..opq';
const RESERVED_PREFIX = '.wh..wh.';

/** True for any entry whose last component starts with `.wh.` (including opaque and bare ones). */
export function isWhiteout(path: string): boolean {
  return baseOf(path).startsWith(WHITEOUT_PREFIX);
}

/** `dir/.wh..wh..opq`: hides all lower children of `dir`. */
export function isOpaque(path: string): boolean {
  return baseOf(path) === OPAQUE_WHITEOUT;
}

/** A `.wh.` with no name after it: invalid per the spec. */
export function isBareWhiteout(path: string): boolean {
  return baseOf(path) === WHITEOUT_PREFIX;
}

/** AUFS metadata names (`.wh..wh.plnk`, `.wh..wh.aufs`, ...) other than the opaque marker. */
export function isReservedWhiteout(path: string): boolean {
  const b = baseOf(path);
  return b.startsWith(RESERVED_PREFIX) && b !== OPAQUE_WHITEOUT;
}

/**
 * The lower path a regular whiteout deletes: `a/b/.wh.c` -> `a/b/c`. Undefined for non-whiteouts, opaque,
 * bare and reserved whiteouts (they name no single file).
 */
export function whiteoutTarget(path: string): string | undefined {
  const b = baseOf(path);
  if (!b.startsWith(WHITEOUT_PREFIX) || b === WHITEOUT_PREFIX || b.startsWith(RESERVED_PREFIX)) return undefined;
  const dir = parentOf(path);
  const name = b.slice(WHITEOUT_PREFIX.length);
  return dir === '' ? name : `${dir}/${name}`;
}

/** The directory whose lower children an opaque whiteout hides ('' = the root). */
export function opaqueDir(path: string): string | undefined {
  return isOpaque(path) ? parentOf(path) : undefined;
}

/** The whiteout entry path that deletes `target`: `a/b/c` -> `a/b/.wh.c`. */
export function whiteoutFor(target: string): string {
  const dir = parentOf(target);
  const name = WHITEOUT_PREFIX + baseOf(target);
  return dir === '' ? name : `${dir}/${name}`;
}
