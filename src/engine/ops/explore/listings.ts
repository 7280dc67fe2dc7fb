// The listing cache: one layer's entries (metadata only) read once per opened archive and shared by every view that
// needs them (the file tree, layer sizes, wasted space, packages, compare). Choosing a layer twice does not read it
// twice. Keyed by (image, layer) of one ImageArchive; the worker keeps one cache per session.
// A read is shared by everyone waiting for it and is cancelled only when all of them have given up; a listing that
// failed or was cancelled is not kept, so the next request reads again.
// It also notes each listed layer's uncompressed tar size (bytes out of the decompressor), which nothing stores:
// Layer sizes shows it next to the compressed size.

import { LwError } from '../../errors';
import type { OpOptions } from '../../env';
import { gateReads } from '../../io';
import type { ImageArchive } from '../../oci/archive';
import { listLayer, type FileEntry } from '../files';

interface Read {
  result: Promise<FileEntry[]>;
  controller: AbortController;
  waiting: number;
  /** Lifts the read gate of a background starter (a caller without one joined). */
  ungate?: () => void;
}

export interface ListingOptions extends OpOptions {
  /**
   * A background caller's read gate (the worker's scheduler): the layer's reads wait for it, as the diagnosis's do,
   * so the user's own requests go first — until a caller without a gate asks for the same layer, which would
   * otherwise wait for itself.
   */
  gate?: () => Promise<void> | void;
}

const cancelled = () => new LwError('cancelled', 'The operation was cancelled.');

export class ListingCache {
  private readonly reads = new Map<string, Read>();
  private readonly tarSizes = new Map<string, number>();

  constructor(private readonly archive: ImageArchive) {}

  /** Whether layer `layer` of image `image` is already listed (or being listed). */
  has(image: number, layer: number): boolean {
    return this.reads.has(`${image}/${layer}`);
  }

  /**
   * One layer's entries, in archive order (entries[i] is tar entry i). Progress goes to the caller that started
   * the read; one that joins a read under way waits without progress of its own.
   */
  get(image: number, layer: number, opts: ListingOptions = {}): Promise<FileEntry[]> {
    const key = `${image}/${layer}`;
    let read = this.reads.get(key);
    if (!read) {
      const controller = new AbortController();
      const ungate = opts.gate ? gated(controller.signal, opts.gate) : undefined;
      const counted = countedLayer(this.archive, image, layer, (n) => this.tarSizes.set(key, n));
      const result = listLayer(counted, image, layer, { onProgress: opts.onProgress, signal: controller.signal });
      const r: Read = { result, controller, waiting: 0, ungate };
      read = r;
      this.reads.set(key, r);
      result.catch(() => this.reads.get(key) === r && this.reads.delete(key));
    }
    if (!opts.gate) read.ungate?.();
    return this.wait(read, opts.signal);
  }

  /** The uncompressed tar size of a layer listed to its end (undefined before). */
  tarSize(image: number, layer: number): number | undefined {
    return this.tarSizes.get(`${image}/${layer}`);
  }

  /** Every layer of image `image`, bottom first (one after the other: one layer read already keeps a core busy). */
  async all(image: number, opts: ListingOptions = {}): Promise<FileEntry[][]> {
    const n = this.archive.images[image]?.layers.length ?? 0;
    const out: FileEntry[][] = [];
    for (let i = 0; i < n; i++) out.push(await this.get(image, i, opts));
    return out;
  }

  private wait(read: Read, signal: AbortSignal | undefined): Promise<FileEntry[]> {
    if (signal?.aborted) return Promise.reject(cancelled());
    read.waiting++;
    return new Promise<FileEntry[]>((resolve, reject) => {
      let done = false;
      const leave = () => {
        if (done) return;
        done = true;
        signal?.removeEventListener('abort', stop);
        if (--read.waiting === 0 && signal?.aborted) read.controller.abort();
      };
      const stop = () => {
        leave();
        reject(cancelled());
      };
      signal?.addEventListener('abort', stop, { once: true });
      read.result.then(
        (v) => (leave(), resolve(v)),
        (e) => (leave(), reject(e)),
      );
    });
  }
}

/** Gates the reads under `signal` with `gate` until the returned function lifts it (for good). */
function gated(signal: AbortSignal, gate: () => Promise<void> | void): () => void {
  let open = false;
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  gateReads(signal, () => (open ? undefined : Promise.race([gate(), released])));
  return () => {
    open = true;
    release();
  };
}

/**
 * The archive as listLayer sees it, with one layer's uncompressed() counting the bytes it hands out (the tar size,
 * reported once the stream ends). A shallow copy: blobs and every other layer are the archive's own.
 */
function countedLayer(archive: ImageArchive, image: number, layer: number, done: (bytes: number) => void): ImageArchive {
  const img = archive.images[image];
  const l = img?.layers[layer];
  if (!l) return archive; // listLayer says what is missing
  const layers = [...img.layers];
  layers[layer] = {
    ...l,
    uncompressed(o) {
      let n = 0;
      return l.uncompressed(o).pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, ctrl) {
            n += chunk.length;
            ctrl.enqueue(chunk);
          },
          flush: () => done(n),
        }),
      );
    },
  };
  const images = [...archive.images];
  images[image] = { ...img, layers };
  return { ...archive, images };
}
