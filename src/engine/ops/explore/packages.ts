// Installed packages, from the package databases in the merged filesystem: Debian's `var/lib/dpkg/status` (RFC822
// style paragraphs) and Alpine's `lib/apk/db/installed` (one-letter `K:value` lines). Both are text; the database
// of every layer that writes one is read (bounded: at most 16 MiB each, size checked in the listing first) so each
// package can be tagged with the layer that installed it or last changed its entry. Binary databases (rpm's sqlite
// or Berkeley DB `var/lib/rpm`) are not read: they would need a database engine, not a text parser.

import type { Scratch } from '../../env';
import { throwIfAborted } from '../../errors';
import type { ImageArchive } from '../../oci/archive';
import { resolve } from '../../layers/resolve';
import { extractFile } from '../files-extract';
import type { FileEntry } from '../files-common';
import type { ListingCache, ListingOptions } from './listings';
import { mergedAfter } from './changes';

export const PACKAGE_DB_MAX_BYTES = 16 * 1024 * 1024;

export type PackageDbKind = 'dpkg' | 'apk';

export const PACKAGE_DBS: { kind: PackageDbKind; path: string }[] = [
  { kind: 'dpkg', path: 'var/lib/dpkg/status' },
  { kind: 'apk', path: 'lib/apk/db/installed' },
];

export interface PackageRecord {
  name: string;
  version: string;
  architecture?: string;
  /** Installed size in bytes (dpkg states KiB: ×1024). */
  size?: number;
}

export interface InstalledPackage extends PackageRecord {
  db: PackageDbKind;
  /** The layer that installed it, or last changed its entry (version, size, architecture). */
  layer: number;
}

export interface PackageList {
  /** The databases found in the merged filesystem, with the layer the final copy comes from. */
  databases: { kind: PackageDbKind; path: string; layer: number; packages: number }[];
  /** Sorted by name (then database). */
  packages: InstalledPackage[];
  /** What could not be read, in plain words. */
  notes: string[];
}

/** dpkg's status file: the paragraphs whose Status says `installed` (config-files / half-installed ones are not). */
export function parseDpkgStatus(text: string): PackageRecord[] {
  const out: PackageRecord[] = [];
  for (const para of text.split(/\r?\n(?:[ \t]*\r?\n)+/)) {
    const f = new Map<string, string>();
    let last = '';
    for (const line of para.split(/\r?\n/)) {
      if (/^[ \t]/.test(line)) continue; // a continuation of a multi-line field (Description, Conffiles)
      const i = line.indexOf(':');
      if (i <= 0) continue;
      last = line.slice(0, i).trim().toLowerCase();
      f.set(last, line.slice(i + 1).trim());
    }
    const name = f.get('package');
    const status = (f.get('status') ?? '').split(/\s+/);
    if (!name || status[2] !== 'installed') continue;
    const r: PackageRecord = { name, version: f.get('version') ?? '' };
    const arch = f.get('architecture');
    if (arch) r.architecture = arch;
    const kib = Number(f.get('installed-size'));
    if (f.has('installed-size') && Number.isFinite(kib)) r.size = kib * 1024;
    out.push(r);
  }
  return out;
}

/** apk's installed database: records separated by blank lines; P name, V version, A architecture, I size in bytes. */
export function parseApkInstalled(text: string): PackageRecord[] {
  const out: PackageRecord[] = [];
  for (const rec of text.split(/\r?\n\r?\n+/)) {
    const f = new Map<string, string>();
    for (const line of rec.split(/\r?\n/)) if (line.length > 1 && line[1] === ':' && !f.has(line[0])) f.set(line[0], line.slice(2));
    const name = f.get('P');
    if (!name) continue;
    const r: PackageRecord = { name, version: f.get('V') ?? '' };
    if (f.get('A')) r.architecture = f.get('A');
    const size = Number(f.get('I'));
    if (f.has('I') && Number.isFinite(size)) r.size = size;
    out.push(r);
  }
  return out;
}

const PARSE: Record<PackageDbKind, (t: string) => PackageRecord[]> = { dpkg: parseDpkgStatus, apk: parseApkInstalled };

/** The installed packages of an image (all layers), from the listings and bounded reads of the database files. */
export async function listPackages(
  archive: ImageArchive,
  listings: ListingCache,
  image: number,
  env: { scratch: Scratch },
  opts: ListingOptions = {},
): Promise<PackageList> {
  const lists = await listings.all(image, opts);
  const fs = mergedAfter(lists);
  const result: PackageList = { databases: [], packages: [], notes: [] };
  for (const db of PACKAGE_DBS) {
    const r = resolve(fs.lookup, db.path);
    const final = r.node ? fs.get(r.path) : undefined;
    if (!final || (final.type !== 'file' && final.type !== 'hardlink')) continue;
    // Every layer up to the final one that writes the database, bottom first.
    const writes: { layer: number; ordinal: number; entry: FileEntry }[] = [];
    for (let l = 0; l <= final.layer; l++) {
      const list = lists[l];
      for (let i = list.length - 1; i >= 0; i--)
        if (list[i].path === r.path && !list[i].whiteout && (list[i].type === 'file' || list[i].type === 'hardlink')) {
          writes.push({ layer: l, ordinal: i, entry: list[i] });
          break;
        }
    }
    const seen = new Map<string, { key: string; layer: number }>();
    let latest: PackageRecord[] = [];
    for (const w of writes) {
      throwIfAborted(opts.signal);
      if (w.entry.size > PACKAGE_DB_MAX_BYTES) {
        result.notes.push(`/${r.path} in layer ${w.layer} is ${w.entry.size} bytes, over the 16 MiB read limit: not read.`);
        continue;
      }
      const { gate: _g, ...plain } = opts; // the extract reads under opts.signal: gated by the caller's own rule
      const blob = await extractFile(archive, image, w.layer, r.path, env, { ...plain, ordinal: w.ordinal, maxBytes: PACKAGE_DB_MAX_BYTES });
      latest = PARSE[db.kind](new TextDecoder().decode(await blob.arrayBuffer()));
      for (const p of latest) {
        const key = `${p.version}\0${p.architecture ?? ''}\0${p.size ?? ''}`;
        const before = seen.get(p.name);
        if (!before || before.key !== key) seen.set(p.name, { key, layer: w.layer });
      }
      // A package missing from this copy was removed; if it comes back later, that layer installed it again.
      const names = new Set(latest.map((p) => p.name));
      for (const n of [...seen.keys()]) if (!names.has(n)) seen.delete(n);
    }
    result.databases.push({ kind: db.kind, path: r.path, layer: final.layer, packages: latest.length });
    for (const p of latest) result.packages.push({ ...p, db: db.kind, layer: seen.get(p.name)?.layer ?? final.layer });
  }
  result.packages.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.db < b.db ? -1 : a.db > b.db ? 1 : 0));
  return result;
}
