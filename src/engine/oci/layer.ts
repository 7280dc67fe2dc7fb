// A layer of the image model (go-containerregistry's v1.Layer): what it is called (digest, diff_id, size, media
// type) and how to read it, whatever reader made it. Every op reads a layer through these methods:
//   compressed()   the stored bytes;
//   uncompressed() the tar, the codec decided once from the magic bytes (not the media type, which lies);
//   unpack()       the same read with the hashing tap (stored digest + diff_id, layers/unpack.ts), for verify and
//                  diagnose, optionally handing the tar to a consumer in the same pass.
// A layer the archive lacks throws `missing-blob` from each of them, so no op checks for it itself.
// The methods read `this.blob`: a copy of a layer with another blob (`{ ...layer, blob }`) reads that blob.

import { LwError } from '../errors';
import { decompressBlob } from '../compress/decompress';
import { sliceStream } from '../io';
import { unpackLayer, type UnpackOptions, type UnpackResult } from '../layers/unpack';
import type { Descriptor } from './types';

export interface LayerReadOptions {
  signal?: AbortSignal;
  /** Stored bytes read, as increments (negative when a gzip restart takes an abandoned read back). */
  onBytes?: (n: number) => void;
}

export interface Layer {
  /** Position in the image's manifest. */
  index: number;
  descriptor: Descriptor;
  /** From the config's rootfs.diff_ids at the same position (absent when the config lists fewer). */
  diffId?: string;
  /** The stored layer; undefined when the archive lacks it (reported by verify/diagnose, not at open). */
  blob?: Blob;
  /** Where the archive keeps it ("blobs/sha256/<hex>", a docker-archive's "<id>/layer.tar"), for messages. */
  path?: string;
  /**
   * True when the descriptor's digest is not a claim of its own but was taken from the diff_id (an uncompressed
   * layer whose reader did not hash it at open): checking the diff_id checks it.
   */
  digestFromDiffId?: boolean;
  compressed(opts?: LayerReadOptions): ReadableStream<Uint8Array>;
  uncompressed(opts?: LayerReadOptions): ReadableStream<Uint8Array>;
  unpack<T = undefined>(opts?: UnpackOptions<T>): Promise<UnpackResult<T>>;
}

export type LayerFields = Omit<Layer, 'compressed' | 'uncompressed' | 'unpack'>;

/**
 * The stored blob, or `missing-blob`: the model's one check that a layer is present. Every read method starts
 * with it; an op that must fail before it starts reading (several layers, one missing) calls it up front.
 */
export function storedBlob(layer: LayerFields): Blob {
  if (!layer.blob)
    throw new LwError('missing-blob', `Layer ${layer.index} (${layer.descriptor.digest}) is not in the archive.`, {
      blob: layer.descriptor.digest,
      layer: layer.index,
    });
  return layer.blob;
}

const methods = {
  compressed(this: LayerFields, opts: LayerReadOptions = {}): ReadableStream<Uint8Array> {
    const blob = storedBlob(this);
    const s = sliceStream(blob, { signal: opts.signal });
    const onBytes = opts.onBytes;
    if (!onBytes) return s;
    return s.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ transform: (c, ctrl) => (onBytes(c.length), ctrl.enqueue(c)) }));
  },
  uncompressed(this: LayerFields, opts: LayerReadOptions = {}): ReadableStream<Uint8Array> {
    return decompressBlob(storedBlob(this), undefined, { signal: opts.signal, onBytes: opts.onBytes });
  },
  unpack<T = undefined>(this: LayerFields, opts: UnpackOptions<T> = {}): Promise<UnpackResult<T>> {
    return unpackLayer(storedBlob(this), opts);
  },
};

/** A model layer from its fields (what a reader knows about it). */
export function makeLayer(fields: LayerFields): Layer {
  return { ...fields, ...methods } as Layer;
}
