// Documents that mean different things to different readers (issue 14): a field spelled twice — `layers` and
// `Layers`, or the same key repeated — with different values. Go-based engines (Docker, containerd, skopeo, umoci)
// read the last spelling (oci/goschema.ts) and layerwright shows that reading; a reader that takes the first, or
// matches case-sensitively, sees another image. diagnose reports each as an error and verify fails on it: the same
// check, one function.

import { asLwError, throwIfAborted } from '../errors';
import type { OpOptions } from '../env';
import type { ImageArchive } from '../oci/archive';
import { documentAmbiguities, type DocKind } from '../oci/json';

export interface DocumentAmbiguity {
  /** Digest of the document, or its archive path (index.json, manifest.json). */
  blob: string;
  image?: number;
  /** Where in the document, e.g. `layers` or `manifests[0].digest`. */
  field: string;
  message: string;
}

/** Every ambiguous field of the archive's JSON documents (each document read once, bounded). */
export async function archiveAmbiguities(archive: ImageArchive, opts: OpOptions = {}): Promise<DocumentAmbiguity[]> {
  const docs: { name: string; blob?: Blob; kind: DocKind; image?: number; what: string }[] = [
    { name: 'index.json', blob: archive.tree.get('index.json'), kind: 'index', what: 'index.json' },
    { name: 'manifest.json', blob: archive.tree.get('manifest.json'), kind: 'docker-manifest', what: 'manifest.json' },
  ];
  // Every index and manifest the walk reached (oci/walk.ts), then each image's config.
  const imageOf = new Map(archive.images.map((img, i) => [img.manifestDescriptor.digest, i]));
  for (const node of archive.graph.nodes.values()) {
    if (node.kind !== 'index' && node.kind !== 'manifest') continue;
    const blob = node.blob ?? archive.blob(node.digest);
    const what = node.kind === 'index' ? `The index ${node.digest}` : `The manifest ${node.digest}`;
    docs.push({ name: node.digest, blob, kind: node.kind, image: imageOf.get(node.digest), what });
  }
  archive.images.forEach((img, image) => {
    docs.push({ name: img.manifest.config.digest, blob: img.configBlob, kind: 'config', image, what: `The config ${img.manifest.config.digest}` });
  });
  const out: DocumentAmbiguity[] = [];
  const seen = new Set<Blob>();
  for (const d of docs) {
    throwIfAborted(opts.signal);
    if (!d.blob || seen.has(d.blob)) continue;
    seen.add(d.blob);
    try {
      for (const a of await documentAmbiguities(d.blob, d.kind, d.name))
        out.push({ blob: d.name, image: d.image, field: a.field, message: `${d.what}: ${a.message}` });
    } catch (e) {
      // Unreadable documents are reported by the other checks (or the archive did not open).
      if (asLwError(e).code === 'cancelled') throw e;
    }
  }
  return out;
}
