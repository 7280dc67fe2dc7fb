// zstd layers in a docker-archive become gzip. Docker 20.10's `docker load` cannot read zstd ("archive/tar:
// invalid tar header"), and a docker-archive is what people feed to old Docker. Each zstd layer is decoded
// (the model's layer.uncompressed()) and its tar bytes, unchanged to the byte, go through the ONE layer encoder
// (layers/encode.ts), so the diff_id stays and the config's rootfs is untouched; only layer descriptors change,
// and the ONE digest-chain rewrite (mutate/rechain.ts) re-addresses the manifests and indexes above them.
// OCI output keeps zstd: every OCI tool we compare with reads it.

import { LwError } from '../errors';
import type { EncoderEnv, OpOptions, Scratch } from '../env';
import { encodeLayer } from '../layers/encode';
import { rechain } from '../mutate/rechain';
import type { BlobReplacement } from '../mutate/types';
import { openImage } from './archive';
import type { LayoutOut } from './types';
import { MediaType, blobPath, layerCompression } from './types';

/** The zstd frame magic (RFC 8878): the bytes decide, not a media type that may lie. */
async function isZstd(blob: Blob, mediaType: string): Promise<boolean> {
  if (layerCompression(mediaType) === 'zstd') return true;
  const head = new Uint8Array(await blob.slice(0, 4).arrayBuffer());
  return head.length === 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd;
}

/** gzip twin of a layer media type (Docker family stays Docker, nondistributable stays nondistributable). */
function gzipMediaType(mt: string): string {
  if (layerCompression(mt) === 'gzip') return mt;
  if (mt.startsWith('application/vnd.docker.')) return MediaType.DockerLayerGzip;
  if (mt.includes('nondistributable')) return MediaType.OciLayerNondistGzip;
  return MediaType.OciLayerGzip;
}

export interface GzipLayersResult {
  out: LayoutOut;
  /** How many distinct zstd layers were re-encoded (0: `out` is the input, untouched). */
  reencoded: number;
}

/**
 * The layout with every zstd layer re-encoded as gzip (same tar bytes, same diff_id). Layers shared by several
 * images are encoded once. Throws `encoder-failed` if a re-encoded layer's tar hash differs from its diff_id.
 */
export async function gzipZstdLayers(
  out: LayoutOut,
  env: { scratch: Scratch } & EncoderEnv,
  opts: OpOptions = {},
): Promise<GzipLayersResult> {
  // Most layouts hold no zstd at all: four bytes per blob say so without opening the layout.
  let any = false;
  for (const b of out.blobs.values()) if (b.size >= 4 && (any = await isZstd(b, ''))) break;
  if (!any) return { out, reencoded: 0 };
  const files = new Map<string, Blob>();
  files.set('oci-layout', new Blob(['{"imageLayoutVersion":"1.0.0"}']));
  files.set('index.json', new Blob([JSON.stringify(out.index)]));
  for (const [d, b] of out.blobs) files.set(blobPath(d), b);
  const archive = await openImage(files, env, { signal: opts.signal });

  const replace = new Map<string, BlobReplacement>();
  for (const image of archive.images) {
    for (const layer of image.layers) {
      const d = layer.descriptor;
      if (!layer.blob || replace.has(d.digest) || !(await isZstd(layer.blob, d.mediaType))) continue;
      const enc = await encodeLayer((w) => w.copyArchive(layer.uncompressed({ signal: opts.signal })), env, {
        mediaType: gzipMediaType(d.mediaType),
        signal: opts.signal,
        name: 'gzip-layer',
        total: 0,
      });
      // Same tar bytes: a different hash means the zstd layer does not hold what its config says; writing it
      // would hand Docker a layer it refuses ("layer does not match diff_id"), so stop here.
      if (layer.diffId && enc.diffId !== layer.diffId)
        throw new LwError(
          'encoder-failed',
          `Layer ${layer.index} (${d.digest}) decodes to a tar whose digest ${enc.diffId} is not its diff_id ${layer.diffId}; it cannot be re-encoded as gzip for docker load.`,
          { blob: d.digest, layer: layer.index },
        );
      replace.set(d.digest, { blob: enc.blob, descriptor: enc.descriptor });
    }
  }
  if (replace.size === 0) return { out, reencoded: 0 };
  const res = await rechain(archive, { replace }, opts);
  return { out: { blobs: res.blobs, index: res.index }, reencoded: replace.size };
}
