// fix: the safe repairs diagnose offers, listed before they run (planFix) and applied in one go (fix).
//
// Layer repairs (drop entries) rewrite ONLY the affected layers, in one streaming pass each: every kept entry is
// copied with its original header bytes (TarWriter.addRaw) and content; the layer is re-compressed
// deterministically (layers/encode.ts), so fixing the same input twice gives byte-identical output. Descriptor
// repairs re-address blobs without reading them. Then mutate/rechain re-addresses everything above.
// Unchanged blobs go to the output as the input's own Blob slices.

import { LwError, asLwError, throwIfAborted } from '../errors';
import type { OpOptions, Scratch } from '../env';
import { indexDescriptor, indexesAbove, storedBlob, type ImageArchive, type Layer } from '../oci/archive';
import { MediaType, layerCompression, type Descriptor } from '../oci/types';
import { readTar } from '../tar/reader';
import type { TarEntry } from '../tar/types';
import { encodeLayer } from '../layers/encode';
import { rechain, type RechainResult } from '../mutate/rechain';
import type { BlobReplacement } from '../mutate/types';
import { OPTIONAL_REPAIRS, type Problem, type ProblemCode, type RepairId } from './diagnose';
import { cleanPath } from '../layers/paths';
import { isWhiteout } from '../layers/whiteout';
import { scanBase, fetchBaseContent } from '../build/basescan';
import { ContentAccess, planLayer } from '../build/plan';
import { finalizeHardlinks, writeNodes } from '../build/write';
import { nodeFromEntry, type BuildWarning, type FsNode } from '../build/types';

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

export interface BlobAddress {
  digest: string;
  size: number;
  diffId?: string;
}

export interface RewrittenBlob {
  kind: 'layer' | 'config' | 'manifest' | 'index';
  image?: number;
  layer?: number;
  before: BlobAddress;
  after: BlobAddress;
  /** Layers: entries dropped. */
  dropped?: number;
  /** Layers: lower-layer files carried over (carry-over-hidden-files). */
  carried?: number;
}

export interface FixResult {
  /** The repaired layout: hand it to writeOciArchive / writeDockerArchive. */
  out: RechainResult;
  /** Every blob whose address changed, before/after (layers first, then configs, manifests, indexes). */
  rewritten: RewrittenBlob[];
  applied: Repair[];
  /** Things a repair could not do as asked (carry-over conflicts, dropped links), in plain words. */
  warnings: string[];
  ms: number;
}

/** Output media type of a rewritten layer: same family and compression; zstd (no encoder) becomes gzip. */
export function rewrittenMediaType(mt: string): string {
  const c = layerCompression(mt);
  if (c === 'gzip' || c === 'none') return mt;
  if (mt === MediaType.OciLayerNondistZstd) return MediaType.OciLayerNondistGzip;
  return MediaType.OciLayerGzip;
}

/** The global PAX ('g') header blocks at the start of an entry's raw bytes: state later entries rely on. */
function globalPrefix(raw: Uint8Array): Uint8Array | undefined {
  let off = 0;
  while (off + 512 <= raw.length && raw[off + 156] === 0x67 /* 'g' */) {
    const field = new TextDecoder().decode(raw.subarray(off + 124, off + 136)).replace(/\0.*$/s, '').trim();
    const size = parseInt(field || '0', 8) || 0;
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return off > 0 ? raw.subarray(0, Math.min(off, raw.length)) : undefined;
}

function concat(a: Uint8Array | undefined, b: Uint8Array): Uint8Array {
  if (!a) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * Rewrites one layer without the entries at `drop` (ordinals). Kept entries are copied verbatim (original header
 * bytes, same content); global PAX headers carried by a dropped entry move to the next kept one.
 */
export async function rewriteLayer(
  source: Layer,
  drop: Set<number>,
  env: { scratch: Scratch },
  opts: OpOptions & { onBytes?: (n: number) => void; append?: FsNode[] } = {},
): Promise<{ layer: BlobReplacement & { diffId: string }; dropped: number }> {
  let dropped = 0;
  const layer = await encodeLayer(
    async (w) => {
      let ordinal = 0;
      let pendingGlobal: Uint8Array | undefined;
      for await (const item of readTar(source.uncompressed({ signal: opts.signal, onBytes: opts.onBytes }), { signal: opts.signal })) {
        throwIfAborted(opts.signal);
        const o = ordinal++;
        if (drop.has(o)) {
          const g = globalPrefix(item.entry.raw);
          if (g) pendingGlobal = concat(pendingGlobal, g);
          dropped++;
          continue;
        }
        let e: TarEntry = item.entry;
        if (pendingGlobal) {
          e = { ...e, raw: concat(pendingGlobal, e.raw) };
          pendingGlobal = undefined;
        }
        await w.addRaw(e, item.data());
      }
      if (dropped !== drop.size)
        throw new LwError('corrupt', `The layer holds ${ordinal} entries; ${drop.size - dropped} of the entries to drop were not found (did the file change since it was diagnosed?).`);
      if (opts.append?.length) await writeNodes(w, opts.append, { signal: opts.signal });
    },
    env,
    { mediaType: rewrittenMediaType(source.descriptor.mediaType), signal: opts.signal, name: 'fixed-layer' },
  );
  return { layer, dropped };
}

/**
 * Applies the repairs (from planFix, possibly a subset the user chose) and re-chains the image.
 * Throws LwError (cancelled, truncated, corrupt, write-failed); scratch files of a failed run are discarded.
 */
export async function fix(archive: ImageArchive, repairs: Repair[], env: { scratch: Scratch }, opts: OpOptions = {}): Promise<FixResult> {
  const t0 = Date.now();
  const replace = new Map<string, BlobReplacement>();
  const rewritten: RewrittenBlob[] = [];
  const drops = new Map<string, Set<number>>();
  const readdress = new Map<string, { digest?: string; size?: number; diffId?: string }>();
  let gc = false;
  const carry = new Map<string, RepairTarget>();
  for (const r of repairs) {
    if (r.id === 'carry-over-hidden-files') for (const t of r.targets) if (!carry.has(t.digest)) carry.set(t.digest, t);
    for (const [d, list] of Object.entries(r.drop ?? {})) {
      const s = drops.get(d) ?? new Set<number>();
      for (const o of list) s.add(o);
      drops.set(d, s);
    }
    for (const [d, v] of Object.entries(r.readdress ?? {})) readdress.set(d, { ...readdress.get(d), ...v });
    if (r.id === 'gc') gc = true;
  }

  // Where each layer digest first appears (for descriptors, config diff_ids and the report).
  const layerAt = new Map<string, { image: number; layer: number; descriptor: Descriptor; diffId?: string; blob?: Blob; source: Layer }>();
  archive.images.forEach((img, image) => {
    for (const l of img.layers)
      if (!layerAt.has(l.descriptor.digest))
        layerAt.set(l.descriptor.digest, { image, layer: l.index, descriptor: l.descriptor, diffId: l.diffId, blob: l.blob, source: l });
  });

  for (const d of carry.keys()) if (!drops.has(d)) drops.set(d, new Set());
  const warnings: string[] = [];
  const total = [...drops.keys()].reduce((n, d) => n + (layerAt.get(d)?.blob?.size ?? 0), 0);
  let done = 0;
  let last = 0;
  const onBytes = (n: number) => {
    done = Math.min(total, done + n);
    if (opts.onProgress && (done - last >= 1 << 20 || done === total)) {
      last = done;
      opts.onProgress(done, total, 'rewriting layers');
    }
  };
  opts.onProgress?.(0, total, 'rewriting layers');

  try {
    for (const [digest, set] of drops) {
      throwIfAborted(opts.signal);
      const at = layerAt.get(digest);
      if (!at) throw new LwError('missing-blob', `Layer ${digest} is not in the archive, so it cannot be rewritten.`, { blob: digest });
      storedBlob(at.source); // the model's missing-blob, before the carry-over reads the lower layers
      const ct = carry.get(digest);
      const append = ct ? await carriedNodes(archive, ct, set, env, warnings, opts) : undefined;
      const { layer, dropped } = await rewriteLayer(at.source, set, env, { signal: opts.signal, onBytes, append });
      replace.set(digest, layer);
      rewritten.push({
        kind: 'layer', image: at.image, layer: at.layer, dropped, ...(append ? { carried: append.length } : {}),
        before: { digest, size: at.descriptor.size, diffId: at.diffId },
        after: { digest: layer.descriptor.digest, size: layer.descriptor.size, diffId: layer.diffId },
      });
    }
    for (const [digest, v] of readdress) {
      if (replace.has(digest)) continue; // rewritten: its new address supersedes
      const blob = archive.blob(digest);
      if (!blob) throw new LwError('missing-blob', `${digest} is not in the archive, so its descriptor cannot be corrected.`, { blob: digest });
      const at = layerAt.get(digest);
      const old = at?.descriptor ?? findDescriptor(archive, digest);
      const descriptor: Descriptor = { mediaType: old?.mediaType ?? '', digest: v.digest ?? digest, size: v.size ?? blob.size };
      replace.set(digest, { blob, descriptor, diffId: v.diffId });
      if (at)
        rewritten.push({
          kind: 'layer', image: at.image, layer: at.layer,
          before: { digest, size: at.descriptor.size, diffId: at.diffId },
          after: { digest: descriptor.digest, size: descriptor.size, diffId: v.diffId ?? at.diffId },
        });
    }
    const out = await rechain(archive, { replace, gc }, { signal: opts.signal });
    // Configs, manifests and indexes whose address changed.
    const kindOf = (d: string): RewrittenBlob['kind'] | undefined => {
      for (const img of archive.images) {
        if (img.manifest.config.digest === d) return 'config';
        if (img.manifestDescriptor.digest === d) return 'manifest';
      }
      return indexDescriptor(archive, d) ? 'index' : undefined;
    };
    const order = { config: 0, manifest: 1, index: 2, layer: -1 } as const;
    const docs: RewrittenBlob[] = [];
    for (const [old, nd] of out.changed) {
      const kind = kindOf(old);
      if (!kind) continue;
      const image = archive.images.findIndex((img) => img.manifest.config.digest === old || img.manifestDescriptor.digest === old || indexesAbove(archive, img).some((p) => p.digest === old));
      const oldSize = kind === 'config' ? archive.images[image].manifest.config.size : kind === 'manifest' ? archive.images[image].manifestDescriptor.size : indexDescriptor(archive, old)!.size;
      docs.push({ kind, image, before: { digest: old, size: oldSize }, after: { digest: nd.digest, size: nd.size } });
    }
    docs.sort((a, b) => order[a.kind] - order[b.kind]);
    opts.onProgress?.(total, total, 'rewriting layers');
    return { out, rewritten: [...rewritten, ...docs], applied: repairs, warnings, ms: Date.now() - t0 };
  } catch (e) {
    throw asLwError(e, 'write-failed');
  }
}

function findDescriptor(archive: ImageArchive, digest: string): Descriptor | undefined {
  for (const img of archive.images) {
    if (img.manifest.config.digest === digest) return img.manifest.config;
    if (img.manifestDescriptor.digest === digest) return img.manifestDescriptor;
  }
  return indexDescriptor(archive, digest);
}

/**
 * usrmerge carry-over for an existing layer: the lower files a symlink of this layer hides (bin/sh under a new
 * `bin -> usr/bin`) become entries at the symlink's target, appended to the rewritten layer. Reuses the build
 * engine's merged view, planner (Debian usrmerge conflict rules) and hardlink handling. Costs one header pass
 * over the lower layers and this one, plus a pass over the lower layers that hold carried bytes.
 */
async function carriedNodes(
  archive: ImageArchive,
  t: RepairTarget,
  drop: Set<number>,
  env: { scratch: Scratch },
  warnings: string[],
  opts: OpOptions,
): Promise<FsNode[]> {
  const img = archive.images[t.image ?? 0];
  const layer = img?.layers[t.layer ?? -1];
  if (!layer || layer.descriptor.digest !== t.digest)
    throw new LwError('invalid-argument', `Layer ${t.layer} of image ${t.image} is not ${t.digest}.`, { blob: t.digest });
  const lower = img.layers.slice(0, layer.index);
  const view = await scanBase(lower, { signal: opts.signal });
  // This layer's own entries (the planner's "app"); its whiteouts act on the lower view through the one merged
  // model, where those under the layer's own non-directories are moot (they are the defect, not deletions).
  const app = new Map<string, FsNode>();
  const whiteouts: { path: string; type: FsNode['type']; linkpath: string }[] = [];
  let ordinal = 0;
  for await (const item of readTar(layer.uncompressed({ signal: opts.signal }), { signal: opts.signal })) {
    throwIfAborted(opts.signal);
    const o = ordinal++;
    const e = item.entry;
    const c = cleanPath(e.path);
    if (drop.has(o) || c.problem === 'escapes-root' || c.path === '') continue;
    if (isWhiteout(c.path)) whiteouts.push({ path: c.path, type: e.type, linkpath: '' });
    else app.set(c.path, nodeFromEntry(e, c.path, e.type === 'hardlink' ? cleanPath(e.linkpath).path : ''));
  }
  view.applyWhiteouts([...app.values(), ...whiteouts]);
  const dry = new ContentAccess();
  await planLayer(app, view, { usrmergeCarry: true }, dry);
  await fetchBaseContent(lower, [...dry.needs], env, { signal: opts.signal });
  const plan = await planLayer(app, view, { usrmergeCarry: true }, new ContentAccess());
  for (const c of plan.conflicts) warnings.push(`carry-over: ${c.message}`);
  const bw: BuildWarning[] = [];
  const nodes = finalizeHardlinks(
    plan.nodes.filter((n) => !app.has(n.path)),
    bw,
  );
  for (const w of bw) warnings.push(`carry-over: ${w.message}`);
  return nodes;
}
