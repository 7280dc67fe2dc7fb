// The project's ONE digest-chain rewrite. Given new blobs for some old ones (re-encoded layers, corrected
// descriptors) and per-image edits (config changes, appended layers, tags), it walks the layout from index.json
// down — nested indexes, manifests, configs — and re-addresses every document above a change:
//   layer digest+size in the manifest -> rootfs.diff_ids in the config -> config digest+size -> manifest
//   digest+size -> every index (nested first) -> index.json descriptors and tags.
// Docker's manifest.json is not a blob: writeDockerArchive derives it from the result's index.
//
// Unchanged blobs are passed through as the input's Blob (a slice of the user's file): never read, never copied.
// Only documents that actually change are re-serialized (mutate/json.ts keeps unknown fields and key order).

import { LwError, throwIfAborted } from '../errors';
import type { OpOptions } from '../env';
import { sha256Bytes } from '../digest/index';
import type { ImageArchive, Image } from '../oci/archive';
import type { LayoutOut } from '../oci/types';
import {
  AnnotationRefName,
  MediaType,
  type Descriptor,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
} from '../oci/types';
import { parseDoc, serializeDoc } from './json';
import { readJson } from '../oci/json';
import { walkIndex, type WalkNode } from '../oci/walk';
import type { BlobReplacement, ImageEdit, RechainEdits } from './types';

export interface RechainResult extends LayoutOut {
  /** Old digest -> new descriptor, for every blob whose address changed (layers, configs, manifests, indexes). */
  changed: Map<string, Descriptor>;
  /** Digests of input blobs the output no longer holds (replaced, rewritten, or collected by gc). */
  dropped: string[];
}

/** Digest and size of an in-memory document, as a descriptor (mediaType from `base`). */
async function describe(bytes: Uint8Array, base: Descriptor): Promise<Descriptor> {
  return { ...base, digest: await sha256Bytes(bytes), size: bytes.length };
}

/** Applies a replacement's address onto an old descriptor, keeping its other fields (annotations, urls, platform). */
function readdress(old: Descriptor, rep: Descriptor): Descriptor {
  const d: Descriptor = { ...old, mediaType: rep.mediaType || old.mediaType, digest: rep.digest, size: rep.size };
  if (rep.annotations) d.annotations = rep.annotations;
  return d;
}

function sameAddress(a: Descriptor, b: Descriptor): boolean {
  return a.digest === b.digest && a.size === b.size && a.mediaType === b.mediaType;
}

/** Media type of a digest-named blob listed in the tree (`blobs/<alg>/<hex>`). */
function treeBlobDigests(archive: ImageArchive): string[] {
  const out: string[] = [];
  for (const p of archive.tree.paths()) {
    const m = /^blobs\/([a-z0-9+._-]+)\/([a-zA-Z0-9=_-]+)$/.exec(p);
    if (m) out.push(`${m[1]}:${m[2]}`);
  }
  return out;
}

export async function rechain(archive: ImageArchive, edits: RechainEdits, opts: OpOptions = {}): Promise<RechainResult> {
  const replace = edits.replace ?? new Map<string, BlobReplacement>();
  const imageEdits = new Map<string, ImageEdit>();
  for (const e of edits.images ?? []) imageEdits.set(e.manifestDigest, e);

  const blobs = new Map<string, Blob>();
  const changed = new Map<string, Descriptor>();
  const inputReachable = new Set<string>();

  function keep(d: Descriptor): void {
    inputReachable.add(d.digest);
    const b = archive.blob(d.digest);
    if (b) blobs.set(d.digest, b); // a blob already missing from the input stays missing (diagnose reports it)
  }

  /** Places a (possibly) rewritten JSON document and returns its descriptor. */
  async function emitDoc(old: Descriptor, doc: unknown, dirty: boolean, original: Uint8Array): Promise<Descriptor> {
    if (!dirty) {
      const b = archive.blob(old.digest);
      if (b) {
        blobs.set(old.digest, b);
        return old;
      }
      // Synthesized (legacy docker-archive): store the bytes we have under their real digest.
      const d = await describe(original, old);
      blobs.set(d.digest, new Blob([original as BlobPart]));
      if (!sameAddress(d, old)) changed.set(old.digest, d);
      return d;
    }
    const bytes = serializeDoc(doc);
    const d = await describe(bytes, old);
    blobs.set(d.digest, new Blob([bytes as BlobPart]));
    if (!sameAddress(d, old)) changed.set(old.digest, d);
    return d;
  }

  /** Rewrites one document after everything it lists (postorder): its new address, or the old one. */
  async function place(node: WalkNode): Promise<Descriptor> {
    throwIfAborted(opts.signal);
    const d = node.descriptor;
    inputReachable.add(d.digest);
    const rep = replace.get(d.digest);
    if ((node.kind === 'index' || node.kind === 'manifest') && node.error && node.error.code !== 'missing-blob') throw node.error;
    if ((node.kind === 'index' && node.index) || (node.kind === 'manifest' && node.manifest)) {
      const nd = await (node.kind === 'index' ? visitIndex(node) : visitManifest(node));
      // A document stored under the wrong digest/size (fix-descriptors) is re-addressed when not rewritten.
      if (!rep || !sameAddress(nd, d)) return nd;
      blobs.delete(d.digest);
      blobs.set(rep.descriptor.digest, rep.blob);
      const fixed = readdress(d, rep.descriptor);
      if (!sameAddress(fixed, d)) changed.set(d.digest, fixed);
      return fixed;
    }
    if (rep) {
      blobs.set(rep.descriptor.digest, rep.blob);
      const nd = readdress(d, rep.descriptor);
      if (!sameAddress(nd, d)) changed.set(d.digest, nd);
      return nd;
    }
    // Other media types, and documents absent from the input (a one-platform export): kept as they are.
    keep(d);
    return d;
  }

  /** The rewritten address of a listed descriptor; edges the walk did not follow (cycles) stay as stored. */
  function moved(from: string, d: Descriptor): Descriptor {
    const nd = graph.cut.has(`${from} ${d.digest}`) ? undefined : addr.get(d.digest);
    return !nd || sameAddress(nd, d) ? d : readdress(d, nd);
  }

  async function visitIndex(node: WalkNode): Promise<Descriptor> {
    const d = node.descriptor;
    const original = node.bytes!;
    const doc = parseDoc<ImageIndex>(original, d.digest, 'index');
    let dirty = false;
    const manifests = Array.isArray(doc.manifests) ? doc.manifests : [];
    for (let i = 0; i < manifests.length; i++) {
      const nd = moved(d.digest, manifests[i]);
      if (!sameAddress(nd, manifests[i])) {
        manifests[i] = nd;
        dirty = true;
      }
    }
    return emitDoc(d, doc, dirty, original);
  }

  async function visitManifest(node: WalkNode): Promise<Descriptor> {
    const d = node.descriptor;
    const original = node.bytes!;
    const doc = parseDoc<ImageManifest>(original, d.digest, 'manifest');
    const edit = imageEdits.get(d.digest);
    let dirty = false;
    const diffIds = new Map<number, string>();
    const layers = Array.isArray(doc.layers) ? doc.layers : [];
    for (let i = 0; i < layers.length; i++) {
      const ld = layers[i];
      inputReachable.add(ld.digest);
      const rep = replace.get(ld.digest);
      if (!rep) {
        keep(ld);
        continue;
      }
      blobs.set(rep.descriptor.digest, rep.blob);
      const nd = readdress(ld, rep.descriptor);
      if (!sameAddress(nd, ld)) {
        changed.set(ld.digest, nd);
        layers[i] = nd;
        dirty = true;
      }
      if (rep.diffId) diffIds.set(i, rep.diffId);
    }

    // Config: re-addressed by a replacement, and/or rewritten for diff_ids, edits and appended layers.
    const cd = doc.config;
    inputReachable.add(cd.digest);
    const cfgRep = replace.get(cd.digest);
    const cfgBlob = cfgRep?.blob ?? archive.blob(cd.digest);
    const append = edit?.append ?? [];
    const needRewrite = diffIds.size > 0 || edit?.config !== undefined || append.length > 0;
    let newCfg: Descriptor = cfgRep ? readdress(cd, cfgRep.descriptor) : cd;
    if (needRewrite) {
      if (!cfgBlob)
        throw new LwError('missing-blob', `The config ${cd.digest} is missing, so its diff_ids cannot be updated.`, { blob: cd.digest });
      const cfgBytes = (await readJson(cfgBlob, cd.digest)).bytes;
      let cfg = parseDoc<ImageConfig>(cfgBytes, cd.digest, 'config');
      let cfgDirty = false;
      if (diffIds.size > 0) {
        const ids = cfg.rootfs?.diff_ids;
        if (!Array.isArray(ids))
          throw new LwError('corrupt', `The config ${cd.digest} has no rootfs.diff_ids to update.`, { blob: cd.digest });
        for (const [i, id] of diffIds) {
          // A config listing fewer diff_ids than layers keeps its (diagnosed) short list: writing past the end
          // would leave null holes, and a config with nulls in diff_ids no longer opens.
          if (i < ids.length && ids[i] !== id) {
            ids[i] = id;
            cfgDirty = true;
          }
        }
      }
      if (edit?.config) {
        cfg = edit.config(cfg) ?? cfg;
        cfgDirty = true;
      }
      if (append.length > 0) {
        cfg.rootfs ??= { type: 'layers', diff_ids: [] };
        cfg.rootfs.diff_ids ??= [];
        for (const a of append) {
          cfg.rootfs.diff_ids.push(a.diffId);
          if (a.history) (cfg.history ??= []).push(a.history);
          layers.push(a.descriptor);
          blobs.set(a.descriptor.digest, a.blob);
        }
        doc.layers = layers;
        cfgDirty = true;
        dirty = true;
      }
      if (cfgDirty) {
        const bytes = serializeDoc(cfg);
        const nd = await describe(bytes, newCfg);
        blobs.set(nd.digest, new Blob([bytes as BlobPart]));
        newCfg = nd;
      } else if (cfgRep) blobs.set(newCfg.digest, cfgRep.blob);
      else blobs.set(cd.digest, cfgBlob);
    } else if (cfgRep) blobs.set(newCfg.digest, cfgRep.blob);
    else keep(cd);
    if (!sameAddress(newCfg, cd)) {
      changed.set(cd.digest, newCfg);
      doc.config = newCfg;
      dirty = true;
    }

    if (edit?.manifest) {
      const r = edit.manifest(doc);
      if (r && r !== doc) Object.assign(doc, r);
      dirty = true;
    }
    return emitDoc(d, doc, dirty, original);
  }

  // Top: index.json, or (legacy docker-archive) an index synthesized from the images and their tags.
  // A caller may narrow an archive to some of its images by giving it another index (build does): walk that one.
  const stored = archive.index ?? archive.graph.root;
  const top = JSON.parse(JSON.stringify(stored)) as ImageIndex;
  // Which top-level descriptor leads to each edited image (before rewriting), for tags/onlyEditedImages.
  let graph = stored === archive.graph.root ? archive.graph : await walkIndex(stored, (dg) => archive.blob(dg), { signal: opts.signal });
  const topFor = new Map<string, string>(); // manifest digest -> top-level digest
  for (const n of graph.nodes.values()) topFor.set(n.digest, (n.parents[0] ?? n.descriptor).digest);
  const editedTop = new Set([...imageEdits.keys()].map((m) => topFor.get(m) ?? m));
  const roots = edits.onlyEditedImages ? top.manifests.filter((d) => editedTop.has(d.digest)) : top.manifests;
  if (roots.length !== top.manifests.length) graph = await walkIndex({ ...top, manifests: roots }, (dg) => archive.blob(dg), { signal: opts.signal });
  const addr = new Map<string, Descriptor>();
  for (const dg of graph.postorder) addr.set(dg, await place(graph.nodes.get(dg)!));

  const entries: Descriptor[] = [];
  const retagged = new Map<string, string[]>(); // top digest -> tags
  for (const e of imageEdits.values()) if (e.tags) retagged.set(topFor.get(e.manifestDigest) ?? e.manifestDigest, e.tags);
  const retagDone = new Set<string>();
  for (const d of roots) {
    const nd = moved('', d);
    const tags = retagged.get(d.digest);
    if (!tags) {
      entries.push(nd);
      continue;
    }
    if (retagDone.has(d.digest)) continue; // one set of descriptors per retagged image
    retagDone.add(d.digest);
    for (const t of tags) {
      const ann = { ...(nd.annotations ?? {}) };
      ann[AnnotationRefName] = t;
      entries.push({ ...nd, annotations: ann });
    }
    if (tags.length === 0) {
      const { annotations, ...rest } = nd;
      const ann = { ...(annotations ?? {}) };
      delete ann[AnnotationRefName];
      entries.push(Object.keys(ann).length ? { ...rest, annotations: ann } : rest);
    }
  }
  top.manifests = entries;

  // Input blobs nothing referenced: carried over unless gc; replaced/rewritten ones are dropped.
  const dropped: string[] = [];
  for (const dg of treeBlobDigests(archive)) {
    if (blobs.has(dg)) continue;
    const b = archive.blob(dg);
    if (!edits.gc && !inputReachable.has(dg) && b) blobs.set(dg, b);
    else dropped.push(dg);
  }
  return { blobs, index: top, changed, dropped };
}
