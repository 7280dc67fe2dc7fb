// The image model every op sees (go-containerregistry's v1.Image / v1.ImageIndex, as values): what an image is,
// never where it came from. Readers (layout.ts, docker.ts, a folder through tree.ts) fill it; the Layer type and
// its reads are in layer.ts. Types only: readers and ops import this without importing each other.

import type { ErrorCode } from '../errors';
import type { FileTree } from './tree';
import type { Layer } from './layer';
import type { IndexGraph } from './walk';
import type { Descriptor, DockerManifestEntry, ImageConfig, ImageIndex, ImageManifest, Platform } from './types';

export interface Image {
  /**
   * Tags as the archive states them, verbatim: OCI `org.opencontainers.image.ref.name` values (a short tag like
   * `latest`, or a full reference like `docker.io/library/alpine:3.19` as skopeo/containerd write it), then Docker's
   * RepoTags (`name:tag`) from manifest.json. Duplicates removed, order kept.
   */
  tags: string[];
  platform?: Platform;
  manifestDescriptor: Descriptor;
  manifest: ImageManifest;
  config: ImageConfig;
  configBlob?: Blob;
  /** Where the archive keeps the config, for messages (a docker-archive's `<hex>.json`). */
  configPath?: string;
  layers: Layer[];
  /**
   * The manifest as stored. Undefined when the archive stores none: a docker-archive's reader makes the manifest
   * from manifest.json (archive.blob() still hands out those bytes, so writers and rechain store them).
   */
  manifestBlob?: Blob;
}

/** A descriptor the reader could not open as an image (missing or broken blob, not an image manifest). */
export interface SkippedManifest {
  descriptor: Descriptor;
  parents: Descriptor[];
  code: ErrorCode;
  reason: string;
  /**
   * An index or manifest the archive does not hold while other images open: a one-platform export of a
   * multi-platform image (containerd, oras, Docker >= 25 keep the whole index, only one platform's blobs). The
   * image-layout spec allows missing blobs, so it is "not present" (information), not a broken image.
   */
  absent?: boolean;
}

export interface ImageArchive {
  format: 'oci-layout' | 'docker-archive';
  tree: FileTree;
  index?: ImageIndex;
  dockerManifest?: DockerManifestEntry[];
  images: Image[];
  /** The blob a digest names: layout blobs, docker-archive files mapped to their digests, synthesized manifests. */
  blob(digest: string): Blob | undefined;
  /** Descriptors left out of `images`, with why (e.g. platforms whose blobs a partial multi-platform save lacks). */
  skipped: SkippedManifest[];
  /** Things worth telling the user that do not stop the archive from opening. */
  warnings: string[];
  /**
   * The walk (oci/walk.ts) of the archive's top index: index.json, or for a docker-archive without one the index
   * its reader makes (one entry per image, RepoTags as ref.names). Write, rechain and `reachable` start here.
   */
  graph: IndexGraph;
}
