// Inputs of the project's one digest-chain rewrite (rechain.ts). Every producer of new blobs (fix, build,
// retag, gc) describes its change with these and lets rechain re-address everything above it.

import type { Descriptor, HistoryEntry, ImageConfig, ImageManifest } from '../oci/types';

/** A new blob that takes the place of an old one: a re-encoded layer, or the same bytes under a corrected digest/size. */
export interface BlobReplacement {
  blob: Blob;
  /** mediaType, digest, size of the new blob. Annotations/urls of the OLD descriptor are kept unless given here. */
  descriptor: Descriptor;
  /** For layers: the new uncompressed digest, written into `rootfs.diff_ids` at the layer's position. */
  diffId?: string;
}

/** A layer to append on top of an image (build): the encoded blob plus its history entry. */
export interface AppendedLayer {
  blob: Blob;
  descriptor: Descriptor;
  diffId: string;
  /** Appended to config.history (created_by says what made it). Omit to add none. */
  history?: HistoryEntry;
}

/** Changes to one image, picked by the digest of its manifest (Image.manifestDescriptor.digest). */
export interface ImageEdit {
  manifestDigest: string;
  /**
   * Edits the config. It gets a fresh, key-order-preserving parse of the config blob (unknown fields kept) after
   * diff_ids were updated for replaced layers and BEFORE appended layers are added; return the object to write.
   */
  config?: (config: ImageConfig) => ImageConfig | void;
  /** Edits the manifest (e.g. annotations) after layers and config were re-addressed. */
  manifest?: (manifest: ImageManifest) => ImageManifest | void;
  append?: AppendedLayer[];
  /**
   * Replaces the tags of this image in index.json: every top-level descriptor that led to it is dropped and one
   * descriptor per tag is written (annotation org.opencontainers.image.ref.name). Omit to keep tags as they were.
   */
  tags?: string[];
}

export interface RechainEdits {
  /** Archive-wide: old blob digest -> replacement. Applies wherever a manifest references the old digest. */
  replace?: Map<string, BlobReplacement>;
  images?: ImageEdit[];
  /** Write only the edited images to index.json (build output); default keeps every image. */
  onlyEditedImages?: boolean;
  /** Drop blobs nothing references (default false: unreferenced input blobs are carried over unchanged). */
  gc?: boolean;
}
