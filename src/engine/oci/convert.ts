// Docker → OCI media types, as `skopeo copy docker-archive:… oci-archive:…` converts them: an OCI archive whose
// manifests still say `application/vnd.docker.distribution.manifest.v2+json` is refused by umoci and
// oci-image-tool, and skopeo's `oci:` transport skips such manifests. Only the documents change (manifests and
// indexes get new digests); configs and layers keep their bytes and digests, their descriptors get OCI types.

import { sha256Bytes } from '../digest/index';
import { parseDoc, serializeDoc } from '../mutate/json';
import type { LayoutOut } from './types';
import { MediaType, type Descriptor, type ImageIndex, type ImageManifest } from './types';
import { reachableDigests, walkIndex } from './walk';

/** Docker media type → its OCI twin (the rest are OCI already, or not ours to change). */
const OCI_TWIN: Record<string, string> = {
  [MediaType.DockerManifestList]: MediaType.OciIndex,
  [MediaType.DockerManifest]: MediaType.OciManifest,
  [MediaType.DockerConfig]: MediaType.OciConfig,
  [MediaType.DockerLayerGzip]: MediaType.OciLayerGzip,
  [MediaType.DockerLayer]: MediaType.OciLayer,
  [MediaType.DockerLayerForeignGzip]: MediaType.OciLayerNondistGzip,
};

function oci(mt: string | undefined): string | undefined {
  return mt && OCI_TWIN[mt] ? OCI_TWIN[mt] : mt;
}

function retype(d: Descriptor): Descriptor {
  const mt = oci(d.mediaType);
  return mt === d.mediaType ? d : { ...d, mediaType: mt! };
}

/** The layout with OCI media types throughout; unchanged when it has no Docker media type. */
export async function toOciMediaTypes(out: LayoutOut, opts: { signal?: AbortSignal } = {}): Promise<LayoutOut> {
  const graph = await walkIndex(out.index, (d) => out.blobs.get(d), opts);
  const blobs = new Map(out.blobs);
  const moved = new Map<string, Descriptor>(); // old digest -> new address (digest, size, mediaType)
  const place = (d: Descriptor): Descriptor => {
    const m = moved.get(d.digest);
    return m ? { ...d, ...m } : retype(d);
  };
  for (const digest of graph.postorder) {
    const n = graph.nodes.get(digest)!;
    if (!n.bytes || (!n.index && !n.manifest)) continue;
    let changed = false;
    const doc = parseDoc<ImageIndex & ImageManifest>(n.bytes, digest);
    const mt = oci(doc.mediaType ?? n.descriptor.mediaType);
    if (mt !== doc.mediaType) {
      doc.mediaType = mt;
      changed = true;
    }
    const swap = (d: Descriptor, from = digest): Descriptor => {
      const nd = graph.cut.has(`${from} ${d.digest}`) ? d : place(d);
      if (nd.digest !== d.digest || nd.mediaType !== d.mediaType || nd.size !== d.size) changed = true;
      return nd;
    };
    if (n.index && Array.isArray(doc.manifests)) doc.manifests = doc.manifests.map((d) => swap(d));
    if (n.manifest) {
      if (doc.config) doc.config = swap(doc.config);
      if (Array.isArray(doc.layers)) doc.layers = doc.layers.map((d) => swap(d));
    }
    if (!changed) continue;
    const bytes = serializeDoc(doc);
    const nd = { mediaType: mt ?? n.descriptor.mediaType, digest: await sha256Bytes(bytes), size: bytes.length };
    blobs.set(nd.digest, new Blob([bytes as BlobPart]));
    moved.set(digest, nd);
  }
  const index: ImageIndex = { ...out.index, manifests: out.index.manifests.map(place) };
  if (moved.size === 0 && index.manifests.every((d, i) => d === out.index.manifests[i])) return out;
  // Replaced documents go; blobs nothing referred to before (carried extras) stay.
  const before = reachableDigests(graph);
  const after = reachableDigests(await walkIndex(index, (d) => blobs.get(d), opts));
  for (const d of [...blobs.keys()]) if (before.has(d) && !after.has(d)) blobs.delete(d);
  return { blobs, index };
}
