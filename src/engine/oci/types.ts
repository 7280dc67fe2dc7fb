// OCI image-spec and Docker v2 types, named as the specs name them.

export const MediaType = {
  OciIndex: 'application/vnd.oci.image.index.v1+json',
  OciManifest: 'application/vnd.oci.image.manifest.v1+json',
  OciConfig: 'application/vnd.oci.image.config.v1+json',
  OciLayer: 'application/vnd.oci.image.layer.v1.tar',
  OciLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  OciLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  OciLayerNondist: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  OciLayerNondistGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  OciLayerNondistZstd: 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  OciEmpty: 'application/vnd.oci.empty.v1+json',
  DockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  DockerConfig: 'application/vnd.docker.container.image.v1+json',
  DockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  /** Uncompressed Docker layer: what a legacy `docker save` layer.tar is, and what skopeo reports for it. */
  DockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  DockerLayerForeignGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
} as const;

export const AnnotationRefName = 'org.opencontainers.image.ref.name';
export const AnnotationBaseName = 'org.opencontainers.image.base.name';
export const AnnotationBaseDigest = 'org.opencontainers.image.base.digest';
export const AnnotationCreated = 'org.opencontainers.image.created';
/** containerd / Docker >= 25 put the full image name here, next to a short ref.name. */
export const AnnotationContainerdName = 'io.containerd.image.name';
/** buildx marks attestation manifests (platform unknown/unknown) with this annotation. */
export const AnnotationDockerReferenceType = 'vnd.docker.reference.type';

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: string; // "sha256:<64 hex>"
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
  urls?: string[];
  artifactType?: string;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/** An image layout to write: what writeOciArchive / writeDockerArchive take and rechain and build return. */
export interface LayoutOut {
  /** Every blob the index reaches (indexes, manifests, configs, layers), by digest. Extra blobs are written too. */
  blobs: Map<string, Blob>;
  index: ImageIndex;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
  subject?: Descriptor;
  artifactType?: string;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  [k: string]: unknown;
}

export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
  [k: string]: unknown;
}

/** Docker's manifest.json (docker save / docker load), one entry per image. */
export interface DockerManifestEntry {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
  LayerSources?: Record<string, Descriptor>;
}

export type LayerCompression = 'gzip' | 'zstd' | 'none';

export function layerCompression(mediaType: string): LayerCompression | undefined {
  if (mediaType.endsWith('+gzip') || mediaType.endsWith('.tar.gzip')) return 'gzip';
  if (mediaType.endsWith('+zstd')) return 'zstd';
  if (mediaType.endsWith('.tar')) return 'none';
  return undefined;
}

export function isIndexMediaType(mt: string | undefined): boolean {
  return mt === MediaType.OciIndex || mt === MediaType.DockerManifestList;
}
export function isManifestMediaType(mt: string | undefined): boolean {
  return mt === MediaType.OciManifest || mt === MediaType.DockerManifest;
}

export const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
/** Any digest the image-spec grammar allows (algorithm:encoded); the reader only resolves these to paths. */
export const ANY_DIGEST_RE = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** True for the layer media types we can unpack (tar, optionally gzip/zstd compressed). */
export function isLayerMediaType(mt: string): boolean {
  return layerCompression(mt) !== undefined && /(layer|rootfs)/.test(mt);
}

/** "os/arch[/variant]"; missing parts become "unknown". */
export function formatPlatform(p: Partial<Platform> | undefined): string {
  const s = `${p?.os || 'unknown'}/${p?.architecture || 'unknown'}`;
  return p?.variant ? `${s}/${p.variant}` : s;
}

/** Parses "os/arch[/variant]" (as the CLI and UI take it). */
export function parsePlatform(s: string): Platform {
  const [os, architecture, variant] = s.split('/');
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** Matches a platform filter: unset fields of `want` match anything. */
export function platformMatches(have: Platform | undefined, want: Partial<Platform>): boolean {
  if (!have) return false;
  if (want.os && want.os !== have.os) return false;
  if (want.architecture && want.architecture !== have.architecture) return false;
  if (want.variant && want.variant !== have.variant) return false;
  return true;
}

/** `blobs/<alg>/<encoded>`: where a layout stores the blob a digest names. */
export function blobPath(digest: string): string {
  const i = digest.indexOf(':');
  return `blobs/${digest.slice(0, i)}/${digest.slice(i + 1)}`;
}
