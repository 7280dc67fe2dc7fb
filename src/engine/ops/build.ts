// build: base image (optional) + app rootfs tarball(s) → a new image, the seed's multi-layer build without umoci.
//
//   1. pick the base image by tag (default `latest`) and platform; none = from scratch
//   2. index every rootfs (headers only; compressed ones unpacked once to scratch)       build/rootfs.ts
//   3. scan the base layers into a merged view (headers only)                           build/basescan.ts
//   4. per rootfs: plan the layer (dry run → fetch the base bytes it needs → real run)  build/plan.ts
//      optionally split by rules, then encode each layer (the project's one encoder)    layers/encode.ts
//   5. config with the seed's semantics, history, tags, base annotations; one rechain   ops/config.ts, mutate/
// The result is a LayoutOut: the caller writes it with writeOciArchive / writeDockerArchive.

import { readJson } from '../oci/json';
import { LwError, throwIfAborted } from '../errors';
import type { OpOptions, Scratch } from '../env';
import { indexesAbove, type Image, type ImageArchive } from '../oci/archive';
import { walkIndex } from '../oci/walk';
import type { LayoutOut } from '../oci/types';
import {
  AnnotationBaseDigest,
  AnnotationBaseName,
  MediaType,
  formatPlatform,
  platformMatches,
  type Descriptor,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
  type Platform,
} from '../oci/types';
import { sha256Bytes } from '../digest/index';
import { encodeLayer } from '../layers/encode';
import { rechain } from '../mutate/rechain';
import type { AppendedLayer, BlobReplacement } from '../mutate/types';
import { rewriteLayer } from './fix';
import { indexRootfs } from '../build/rootfs';
import { fetchBaseContent, scanBase } from '../build/basescan';
import { ContentAccess, planLayer, type CarriedDir } from '../build/plan';
import { parseSplitRules, splitNodes } from '../build/split';
import { finalizeHardlinks, writeNodes } from '../build/write';
import { MergedFs } from '../layers/merge';
import { chainOver } from '../build/command';
import type { BuildWarning, CarryConflict, FsNode } from '../build/types';
import type { Redirect } from '../build/redirect';
import { applyConfig, historyEntry, validateSettings, withDefaults, type BuildSettings } from './config';

export interface BuildInputs {
  base?: ImageArchive;
  /** Tag of the base image (default `latest`; a single-image archive is used when no tag is asked for). */
  baseTag?: string;
  basePlatform?: Partial<Platform>;
  /** For the org.opencontainers.image.base.name annotation (default: the base tag as stored). */
  baseName?: string;
  rootfs: Blob[];
  /** Names of the rootfs inputs (file names), for history `created_by` and messages. */
  rootfsNames?: string[];
  settings: BuildSettings;
}

export interface BuiltLayer {
  digest: string;
  size: number;
  diffId: string;
  mediaType: string;
  /** Which rootfs (0-based) and which split rule ('' = the rest) made it. */
  rootfs: number;
  rule: string;
  entries: number;
  createdBy: string;
}

export interface BuildResult {
  out: LayoutOut;
  manifest: Descriptor;
  config: ImageConfig;
  tags: string[];
  base?: { digest: string; tag?: string; platform: string; layers: number };
  layers: BuiltLayer[];
  replacedDirs: string[];
  carriedDirs: CarriedDir[];
  /** Classic app directories written through the base's symlinks (lib/ → usr/lib/), with carry-over on. */
  redirected: Redirect[];
  conflicts: CarryConflict[];
  dropped: number;
  warnings: BuildWarning[];
  /**
   * Set when carry-over was turned on by default (the setting left unset) because the image's command would not
   * start without it: what `docker run` would have printed.
   */
  carryReason?: string;
}

/** Images an archive offers, for the error message and the UI's picker: "tag (os/arch)". */
export function describeImages(archive: ImageArchive): string[] {
  return archive.images.map((i) => `${i.tags.length ? i.tags.join(', ') : '(untagged)'} [${formatPlatform(i.platform ?? i.config)}]`);
}

function tagMatches(have: string, want: string): boolean {
  if (have === want) return true;
  // A docker-archive RepoTag `name:tag` (or a full reference) answers to its short tag too.
  const slash = have.lastIndexOf('/');
  const colon = have.lastIndexOf(':');
  return !want.includes(':') && colon > slash && have.slice(colon + 1) === want;
}

/** The base image for a tag and platform; throws `tag-not-found` listing what exists. */
export function selectBaseImage(archive: ImageArchive, tag?: string, platform?: Partial<Platform>): Image {
  const allTags = [...new Set(archive.images.flatMap((i) => i.tags))];
  let candidates = archive.images;
  const want = tag ?? 'latest';
  const tagged = candidates.filter((i) => i.tags.some((t) => tagMatches(t, want)));
  if (tagged.length) candidates = tagged;
  else if (tag !== undefined || new Set(candidates.map((i) => indexesAbove(archive, i)[0]?.digest ?? i.manifestDescriptor.digest)).size !== 1)
    throw new LwError(
      'tag-not-found',
      `The base archive has no image tagged "${want}". Tags it has: ${allTags.length ? allTags.join(', ') : '(none)'}.`,
      { field: 'baseTag' },
    );
  if (platform && (platform.os || platform.architecture || platform.variant)) {
    const p = candidates.filter((i) => platformMatches(i.platform ?? { os: i.config.os, architecture: i.config.architecture, variant: i.config.variant }, platform));
    if (!p.length)
      throw new LwError('tag-not-found', `No base image for platform ${formatPlatform(platform)}. It has: ${describeImages(archive).join('; ')}.`, {
        field: 'basePlatform',
      });
    candidates = p;
  }
  if (candidates.length > 1) {
    // A multi-platform base: the common case is linux/amd64; otherwise the user must say which.
    const amd = candidates.filter((i) => platformMatches(i.platform, { os: 'linux', architecture: 'amd64' }));
    if (amd.length === 1) return amd[0];
    throw new LwError('invalid-argument', `The base "${want}" has several platforms; pick one: ${describeImages(archive).join('; ')}.`, {
      field: 'basePlatform',
    });
  }
  return candidates[0];
}

/** An in-memory archive holding one empty image: `build` from scratch goes through the same rechain. */
async function scratchArchive(settings: BuildSettings): Promise<{ archive: ImageArchive; image: Image }> {
  const enc = new TextEncoder();
  const config: ImageConfig = { architecture: settings.architecture || 'amd64', os: settings.os || 'linux', rootfs: { type: 'layers', diff_ids: [] } };
  const cfgBytes = enc.encode(JSON.stringify(config));
  const cfgDesc: Descriptor = { mediaType: MediaType.OciConfig, digest: await sha256Bytes(cfgBytes), size: cfgBytes.length };
  const manifest: ImageManifest = { schemaVersion: 2, mediaType: MediaType.OciManifest, config: cfgDesc, layers: [] };
  const mBytes = enc.encode(JSON.stringify(manifest));
  const mDesc: Descriptor = { mediaType: MediaType.OciManifest, digest: await sha256Bytes(mBytes), size: mBytes.length };
  const blobs = new Map<string, Blob>([
    [cfgDesc.digest, new Blob([cfgBytes as BlobPart])],
    [mDesc.digest, new Blob([mBytes as BlobPart])],
  ]);
  const image: Image = { tags: [], manifestDescriptor: mDesc, manifest, config, configBlob: blobs.get(cfgDesc.digest), layers: [], manifestBlob: blobs.get(mDesc.digest) };
  const index: ImageIndex = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [mDesc] };
  const archive: ImageArchive = {
    format: 'oci-layout',
    tree: { kind: 'dir', paths: () => [], get: () => undefined },
    index,
    images: [image],
    blob: (d) => blobs.get(d),
    skipped: [],
    warnings: [],
    graph: await walkIndex(index, (d) => blobs.get(d)),
  };
  return { archive, image };
}

/** Why carry-over is needed for this rootfs layer (the chain breaks without it, starts with it), or undefined. */
async function carryNeeded(
  app: Map<string, FsNode>,
  view: MergedFs<FsNode>,
  planOpts: { usrmergeCarry: boolean; dropIdentical: boolean },
  config: ImageConfig,
  baseLayers: Image['layers'],
  signal?: AbortSignal,
): Promise<string | undefined> {
  const c = { config: config.config };
  const plain = await planLayer(app, view, { ...planOpts, usrmergeCarry: false }, new ContentAccess());
  const without = await chainOver(c, view, plain.nodes, baseLayers, signal);
  if (!without?.broken) return undefined;
  const carried = await planLayer(app, view, { ...planOpts, usrmergeCarry: true }, new ContentAccess());
  const withCarry = await chainOver(c, view, carried.nodes, baseLayers, signal);
  if (!withCarry || withCarry.broken || withCarry.unknown) return undefined;
  const link = without.broken!;
  return `${link.kind === 'command' ? 'the command' : `the ${link.kind === 'loader' ? 'dynamic loader' : link.kind === 'interpreter' ? 'script interpreter' : 'program'}`} ${link.name} would be hidden: \`docker run\` would fail with \`${without.error}\``;
}

/** The base archive narrowed to one image at the top level, so the output holds the new image only. */
function focus(archive: ImageArchive, image: Image): ImageArchive {
  const { annotations: _a, platform: _p, ...top } = image.manifestDescriptor;
  void _a;
  void _p;
  return {
    ...archive,
    index: { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [top as Descriptor] },
    images: [image],
  };
}

export async function build(inputs: BuildInputs, env: { scratch: Scratch }, opts: OpOptions = {}): Promise<BuildResult> {
  const settings = withDefaults(inputs.settings);
  const errors = validateSettings(settings);
  if (errors.length) throw new LwError('invalid-argument', errors[0].message, { field: errors[0].field });
  if (inputs.rootfs.length === 0) throw new LwError('invalid-argument', 'Give at least one app rootfs tarball.', { field: 'rootfs' });
  const rules = settings.split ? parseSplitRules(settings.split) : [];
  const now = new Date();
  const names = inputs.rootfs.map((b, i) => inputs.rootfsNames?.[i] ?? (b as File).name ?? `rootfs ${i + 1}`);

  // 1. base
  let archive: ImageArchive;
  let image: Image;
  let baseTag: string | undefined;
  if (inputs.base) {
    image = selectBaseImage(inputs.base, inputs.baseTag, inputs.basePlatform);
    baseTag = image.tags.find((t) => tagMatches(t, inputs.baseTag ?? 'latest')) ?? image.tags[0];
    archive = focus(inputs.base, image);
  } else ({ archive, image } = await scratchArchive(settings));
  const layerMediaType = image.manifest.mediaType === MediaType.DockerManifest ? MediaType.DockerLayerGzip : MediaType.OciLayerGzip;

  // 2. rootfs indexes
  const apps = [];
  for (let i = 0; i < inputs.rootfs.length; i++) {
    throwIfAborted(opts.signal);
    apps.push(await indexRootfs(inputs.rootfs[i], env, { ...opts, name: names[i] }));
  }

  // 3. base view
  const baseWarnings: BuildWarning[] = [];
  const unsafe = new Map<number, number[]>();
  const view = inputs.base ? await scanBase(image.layers, { ...opts, warnings: baseWarnings, unsafe }) : new MergedFs<FsNode>();
  // Escaping entries are problems, not output: the base layers holding them are rewritten without them by fix's
  // one layer rewrite (drop-unsafe-entries); every other base layer travels unchanged.
  const replace = new Map<string, BlobReplacement>();
  for (const [li, ords] of unsafe) {
    const l = image.layers[li];
    if (!l.blob || replace.has(l.descriptor.digest)) continue;
    const { layer } = await rewriteLayer(l, new Set(ords), env, { signal: opts.signal });
    replace.set(l.descriptor.digest, layer);
  }

  // 4. layers
  const result: Omit<BuildResult, 'out' | 'manifest' | 'config' | 'tags'> = {
    layers: [],
    replacedDirs: [],
    carriedDirs: [],
    redirected: [],
    conflicts: [],
    dropped: 0,
    warnings: [...baseWarnings, ...apps.flatMap((a) => a.warnings)],
  };
  if (inputs.base)
    result.base = { digest: image.manifestDescriptor.digest, tag: baseTag, platform: formatPlatform(image.platform ?? image.config), layers: image.layers.length };
  const appended: AppendedLayer[] = [];
  const finalConfig0 = applyConfig(image.config, settings, now);
  for (let k = 0; k < apps.length; k++) {
    const planOpts = { usrmergeCarry: !!settings.usrmergeCarry, dropIdentical: !!settings.dropIdentical };
    // Carry-over by default when the image's command cannot start without it (usrmergeCarry left unset).
    if (settings.usrmergeCarry === undefined && inputs.base) {
      const reason = await carryNeeded(apps[k].nodes, view, planOpts, finalConfig0, image.layers, opts.signal);
      if (reason) {
        planOpts.usrmergeCarry = true;
        result.carryReason = reason;
      }
    }
    const dry = new ContentAccess();
    await planLayer(apps[k].nodes, view, planOpts, dry);
    if (dry.needs.size) await fetchBaseContent(image.layers, [...dry.needs], env, opts);
    const access = new ContentAccess();
    const plan = await planLayer(apps[k].nodes, view, planOpts, access);
    if (access.needs.size)
      throw new LwError('corrupt', `${access.needs.size} base file(s) could not be read back (e.g. ${[...access.needs][0].path}).`, {
        entry: [...access.needs][0].path,
      });
    result.replacedDirs.push(...plan.replacedDirs);
    result.carriedDirs.push(...plan.carriedDirs);
    result.redirected.push(...plan.redirected);
    result.conflicts.push(...plan.conflicts);
    result.dropped += plan.dropped.length;
    result.warnings.push(...plan.warnings);

    const groups = rules.length ? splitNodes(plan.nodes, rules) : [{ name: '', path: undefined, nodes: plan.nodes }];
    for (const g of groups) {
      if (g.name && g.nodes.length === 0) {
        result.warnings.push({ code: 'empty-split-layer', path: g.path ?? '', message: `Split rule ${g.name}:/${g.path} matched nothing in ${names[k]}: no layer for it.` });
        continue;
      }
      const nodes = finalizeHardlinks(g.nodes, result.warnings);
      const what = g.name ? `${names[k]}, split rule ${g.name}:/${g.path}` : rules.length ? `${names[k]}, the rest` : names[k];
      const createdBy = `layerwright build: rootfs ${what}`;
      const enc = await encodeLayer((w) => writeNodes(w, nodes, { sourceDateEpoch: settings.sourceDateEpoch, signal: opts.signal }), env, {
        mediaType: layerMediaType,
        signal: opts.signal,
        onProgress: opts.onProgress,
        name: `layer-${k}-${g.name || 'rest'}`,
        // The tar's size is known before writing: headers (≥ 512 B each), padded contents, end blocks.
        total: nodes.reduce((t, n) => t + 512 + (n.type === 'file' ? Math.ceil(n.size / 512) * 512 : 0), 1024),
      });
      appended.push({ blob: enc.blob, descriptor: enc.descriptor, diffId: enc.diffId, history: historyEntry(settings, createdBy, now) });
      result.layers.push({
        digest: enc.descriptor.digest,
        size: enc.descriptor.size,
        diffId: enc.diffId,
        mediaType: enc.descriptor.mediaType,
        rootfs: k,
        rule: g.name,
        entries: nodes.length,
        createdBy,
      });
    }
    if (k + 1 < apps.length) view.applyLayer(plan.nodes, (n, path) => (path === n.path ? n : { ...n, path }));
  }

  // 5. config, manifest annotations, tags: one rechain over the focused base
  const tags = settings.tags!;
  const out = await rechain(
    archive,
    {
      replace,
      images: [
        {
          manifestDigest: image.manifestDescriptor.digest,
          config: (c) => applyConfig(c, settings, now),
          manifest: (m) => {
            if (!inputs.base) return m;
            const ann = { ...(m.annotations ?? {}) };
            ann[AnnotationBaseName] = inputs.baseName ?? baseTag ?? '';
            ann[AnnotationBaseDigest] = image.manifestDescriptor.digest;
            m.annotations = ann;
            return m;
          },
          append: appended,
          tags,
        },
      ],
      onlyEditedImages: true,
      gc: true,
    },
    opts,
  );
  const manifest = out.index.manifests[0];
  // rechain appended diff_ids/history after our edit: report the config as written.
  const manifestDoc = (await readJson(out.blobs.get(manifest.digest)!, manifest.digest)).value as ImageManifest;
  const finalConfig = (await readJson(out.blobs.get(manifestDoc.config.digest)!, manifestDoc.config.digest)).value as ImageConfig;
  return { out: { blobs: out.blobs, index: out.index }, manifest, config: finalConfig, tags, ...result };
}
