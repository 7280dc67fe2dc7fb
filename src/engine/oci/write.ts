// Output archives, composed as Blobs from the blobs given (input slices, scratch files, small JSON): nothing is
// copied or hashed here. Deterministic: fixed entry order (oci-layout, index.json[, manifest.json], then blobs by
// digest), mtime 0, uid/gid 0, no user/group names, mode 0644 files / 0755 directories.

import { LwError } from '../errors';
import { tarBlob } from '../tar/writer';
import type { TarHeaderInput } from '../tar/types';
import { readJson } from './json';
import { pathAnnotations, reachableDigests, walkIndex } from './walk';
import { isArtifact } from './layout';
import { gzipZstdLayers } from './docker-layers';
import { memoryScratch, type EncoderEnv, type Scratch } from '../env';
import type { ImageArchive } from './archive';
import { referenceError } from './reference';
import type { Descriptor, DockerManifestEntry, ImageIndex, ImageManifest, LayoutOut, Platform } from './types';
import {
  MediaType,
  AnnotationContainerdName,
  AnnotationRefName,
  blobPath,
  layerCompression,
  platformMatches,
} from './types';

export type { LayoutOut } from './types';

type TarFile = { header: TarHeaderInput; body?: Blob | Uint8Array };

const enc = new TextEncoder();

function file(path: string, body: Blob | Uint8Array): TarFile {
  const size = body instanceof Blob ? body.size : body.length;
  return { header: { path, type: 'file', size, mode: 0o644, uid: 0, gid: 0, uname: '', gname: '', mtime: 0 }, body };
}

function dir(path: string): TarFile {
  return { header: { path, type: 'dir', mode: 0o755, uid: 0, gid: 0, uname: '', gname: '', mtime: 0 } };
}

/** oci-layout, index.json (and optional extras such as manifest.json), then blobs/<alg>/ sorted by digest. */
function layoutFiles(out: LayoutOut, extra: TarFile[] = []): TarFile[] {
  const files: TarFile[] = [
    file('oci-layout', enc.encode('{"imageLayoutVersion":"1.0.0"}')),
    file('index.json', enc.encode(JSON.stringify(out.index))),
    ...extra,
    dir('blobs/'),
  ];
  const digests = [...out.blobs.keys()].sort();
  const algs = [...new Set(digests.map((d) => d.slice(0, d.indexOf(':'))))];
  for (const alg of algs) {
    files.push(dir(`blobs/${alg}/`));
    for (const d of digests) if (d.startsWith(`${alg}:`)) files.push(file(blobPath(d), out.blobs.get(d)!));
  }
  return files;
}

/**
 * The archive as it stands, ready for a writer: every blob its top index reaches (input slices, never copies) and
 * that index (a docker-archive's is made by its reader: one entry per image, each RepoTag as a ref.name). Missing
 * blobs are left out (writers then complain).
 */
export function toLayout(archive: ImageArchive): LayoutOut {
  const blobs = new Map<string, Blob>();
  for (const digest of reachableDigests(archive.graph)) {
    const blob = archive.blob(digest);
    if (blob) blobs.set(digest, blob);
  }
  return { blobs, index: archive.graph.root };
}

/** An OCI archive: the tar of an OCI image layout, as `skopeo copy oci-archive:` and `umoci` (extracted) read it. */
export function writeOciArchive(out: LayoutOut): Blob {
  return tarBlob(layoutFiles(out));
}

export interface DockerArchiveOptions {
  /**
   * Repository for ref.names that are only a tag (`latest`). Without one such a tag is left out: Docker needs
   * `name:tag`, and a name is not ours to invent (the image then loads untagged, by its ID, as `docker save` of an
   * untagged image does).
   */
  repository?: string;
  /** When several images carry the same tag (a multi-platform index), the image of this platform gets it. */
  platform?: Partial<Platform>;
  /** Told what is left out (OCI artifacts: signatures, SBOMs, Helm charts, which manifest.json cannot list). */
  onWarning?: (message: string) => void;
  /** Where zstd layers re-encoded as gzip go (OPFS / temp files); default memory, for tests and small images. */
  scratch?: Scratch;
  /** Deflate workers and level for that re-encoding (layers/encode.ts). */
  encoder?: EncoderEnv;
  signal?: AbortSignal;
}

/** What writeDockerArchive says when it re-encodes zstd layers (the CLI and the page show it). */
export const ZSTD_REENCODED_NOTE = 'zstd layers re-encoded as gzip for docker load';

const TAG_RE = /^[\w][\w.-]{0,127}$/;
const NAME_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const DOMAIN_RE = /^(?:localhost|[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+|[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*:[0-9]+)$/;

/**
 * The Docker RepoTag (`name:tag`) for an OCI ref.name, or undefined when none can be made (a digest reference,
 * an invalid name, a bare tag without `repository`). A bare tag (`latest`, `v1.2`) gets `repository`; a full
 * reference is kept, `:latest` added when it has no tag.
 */
export function dockerRepoTag(ref: string, repository?: string): string | undefined {
  if (ref.includes('@') || referenceError(ref)) return undefined;
  if (TAG_RE.test(ref) && !ref.includes(':')) return repository ? `${repository}:${ref}` : undefined;
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  const [name, tag] = colon > slash ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, 'latest'];
  if (!TAG_RE.test(tag)) return undefined;
  const parts = name.split('/');
  const domain = parts.length > 1 && DOMAIN_RE.test(parts[0]) ? parts.shift()! : undefined;
  if (!NAME_RE.test(parts.join('/'))) return undefined;
  return `${domain ? domain + '/' : ''}${parts.join('/')}:${tag}`;
}

/** Why a ref.name makes no RepoTag, in plain words (the reference grammar's own message when it is not one). */
function whyNoRepoTag(ref: string): string {
  const err = referenceError(ref);
  if (err) return err.replace(/\.$/, '');
  if (ref.includes('@')) return 'a digest reference; manifest.json lists tags only';
  return 'not a name:tag reference';
}

interface FoundImage {
  descriptor: Descriptor;
  manifest: ImageManifest;
  refs: string[];
}

async function jsonBlob(out: LayoutOut, digest: string): Promise<unknown> {
  const blob = out.blobs.get(digest);
  if (!blob) throw new LwError('missing-blob', `The output lacks ${digest}, which its index refers to.`, { blob: digest });
  return (await readJson(blob, digest)).value;
}

/** Image manifests reachable from the index (oci/walk.ts), in order, with the ref.names (and containerd names) on the way. */
async function findImages(out: LayoutOut, onWarning?: (m: string) => void): Promise<FoundImage[]> {
  const graph = await walkIndex(out.index, (d) => out.blobs.get(d));
  if (graph.issues.length) {
    const i = graph.issues[0];
    throw new LwError('corrupt', `The index ${i.descriptor.digest} cannot be written as a docker-archive: ${i.reason}.`, { blob: i.descriptor.digest });
  }
  const refs = pathAnnotations(graph, [AnnotationContainerdName, AnnotationRefName]);
  const found: FoundImage[] = [];
  const artifacts: string[] = [];
  let absent = 0;
  for (const n of graph.nodes.values()) {
    // An index or manifest the layout does not hold (a one-platform export) is no image to list.
    if (n.error?.code === 'missing-blob' && n.kind !== 'other') {
      absent++;
      continue;
    }
    if (n.error) throw n.error;
    if (n.kind === 'other' || (n.manifest && isArtifact(n.manifest, n.descriptor))) artifacts.push(n.digest);
    else if (n.kind === 'manifest' && n.manifest) found.push({ descriptor: n.descriptor, manifest: n.manifest, refs: refs.get(n.digest) ?? [] });
  }
  if (absent) onWarning?.(`${absent} manifest${absent > 1 ? 's' : ''} the index lists but the archive does not hold (other platforms) left out of manifest.json.`);
  if (artifacts.length)
    onWarning?.(`${artifacts.length} artifact${artifacts.length > 1 ? 's' : ''} (not container images: signatures, SBOMs, charts…) left out of manifest.json, which lists images only; the blobs stay in the archive's OCI layout.`);
  return found;
}

/**
 * A docker-archive that Docker 20.10 `docker load` reads: the OCI layout (so skopeo `oci-archive:` reads it too,
 * like Docker >= 25's `docker save`) plus `manifest.json` whose Config/Layers name the blob paths. Layers stay as
 * stored (gzip included: `docker load` decompresses them and checks each diff_id), except zstd ones, which Docker
 * 20.10 cannot read: those are re-encoded as gzip (oci/docker-layers.ts), same tar, same diff_id. Each tag goes to the first
 * image carrying it (or the one matching `opts.platform`): Docker cannot hold two images under one tag.
 */
export async function writeDockerArchive(input: LayoutOut, opts: DockerArchiveOptions = {}): Promise<Blob> {
  const gz = await gzipZstdLayers(input, { scratch: opts.scratch ?? memoryScratch(), ...opts.encoder }, { signal: opts.signal });
  if (gz.reencoded) opts.onWarning?.(`${ZSTD_REENCODED_NOTE} (${gz.reencoded}; Docker 20.10 cannot read zstd), diff_ids unchanged.`);
  const out = gz.out;
  const images = await findImages(out, opts.onWarning);
  if (images.length === 0) throw new LwError('not-an-image', 'The index lists no image manifest to write.');
  const preferred = opts.platform ? images.find((i) => i.descriptor.platform && platformMatches(i.descriptor.platform, opts.platform!)) : undefined;
  const ordered = preferred ? [preferred, ...images.filter((i) => i !== preferred)] : images;
  const taken = new Set<string>();
  const entries = new Map<FoundImage, DockerManifestEntry>();
  for (const img of ordered) {
    const tags: string[] = [];
    const bare: string[] = [];
    for (const ref of img.refs) {
      const t = dockerRepoTag(ref, opts.repository);
      if (t && tags.includes(t)) continue; // the same tag twice on one image (ref.name and containerd name)
      if (t && !taken.has(t)) {
        taken.add(t);
        tags.push(t);
      } else if (t) opts.onWarning?.(`The tag ${JSON.stringify(t)} is already given to another image in this archive (Docker holds one image per tag): left out for ${img.descriptor.digest}.`);
      else if (!referenceError(ref) && !ref.includes('@') && !ref.includes(':') && !ref.includes('/')) bare.push(ref);
      else opts.onWarning?.(`The tag ${JSON.stringify(ref)} cannot be a Docker tag (${whyNoRepoTag(ref)}): left out of manifest.json.`);
    }
    // A bare tag (`latest`) names no repository: said only when the image is then untagged (not our name to invent).
    if (!tags.length && bare.length)
      opts.onWarning?.(`The tag${bare.length > 1 ? 's' : ''} ${bare.map((b) => JSON.stringify(b)).join(', ')} name${bare.length > 1 ? '' : 's'} no repository, and Docker needs name:tag: the image loads untagged (by its ID).`);
    // An image without a tag is listed with `"RepoTags": null`, as `docker save` of an untagged image writes it.
    const entry: DockerManifestEntry = { Config: blobPath(img.manifest.config.digest), RepoTags: tags.length ? tags : null, Layers: [] };
    if (!out.blobs.has(img.manifest.config.digest))
      throw new LwError('missing-blob', `The config ${img.manifest.config.digest} is missing from the output.`, { blob: img.manifest.config.digest });
    for (const l of img.manifest.layers) {
      entry.Layers.push(blobPath(l.digest));
      if (out.blobs.has(l.digest)) continue;
      if (!l.urls?.length || layerCompression(l.mediaType) === undefined)
        throw new LwError('missing-blob', `The layer ${l.digest} is missing from the output.`, { blob: l.digest });
      // A foreign layer Docker fetches from its URLs: LayerSources is keyed by the diff_id, which only the
      // config knows; the caller must then include the config (checked above).
      entry.LayerSources ??= {};
      entry.LayerSources[await foreignDiffId(out, img.manifest, l)] = l;
    }
    entries.set(img, entry);
  }
  const manifestJson = enc.encode(JSON.stringify(images.map((i) => entries.get(i)!)));
  return tarBlob(layoutFiles(out, [file('manifest.json', manifestJson)]));
}

async function foreignDiffId(out: LayoutOut, manifest: ImageManifest, layer: Descriptor): Promise<string> {
  const config = (await jsonBlob(out, manifest.config.digest)) as { rootfs?: { diff_ids?: string[] } };
  const i = manifest.layers.indexOf(layer);
  const id = config.rootfs?.diff_ids?.[i];
  if (!id) throw new LwError('corrupt', `The config lists no diff_id for layer ${i}.`, { blob: manifest.config.digest, layer: i });
  return id;
}
