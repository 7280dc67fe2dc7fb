// The injected environment (isomorphic-git style): the engine never touches the DOM, the file system or
// OPFS directly. The browser worker, the CLI and the tests each pass their own implementation.

import type { Deflater } from './compress/gzip';

/**
 * What the one layer encoder (layers/encode.ts) may be given besides scratch: a deflate worker pool (browser: Web
 * Workers, Node: worker_threads; default: deflate in the calling thread) and the gzip level (default 6). Neither
 * changes which bytes a given level writes — only how fast.
 */
export interface EncoderEnv {
  deflater?: Deflater;
  gzipLevel?: number;
}

/** Progress in bytes; `label` says what is being worked on (a digest, a phase). */
export type Progress = (done: number, total: number, label?: string) => void;

export interface OpOptions {
  signal?: AbortSignal;
  onProgress?: Progress;
}

/**
 * Where generated blobs too large for memory go (a rewritten layer, a built layer) before they are
 * composed into the output Blob. Browser: OPFS files; Node: temp files; tests: memory.
 */
export interface Scratch {
  create(name?: string): Promise<ScratchFile>;
}

export interface ScratchFile {
  /** Appends; rejects (never silently drops) if the storage fails or is full. */
  write(chunk: Uint8Array): Promise<void>;
  /** Finishes writing and returns the content as a Blob whose size was checked against bytes written. */
  close(): Promise<Blob>;
  /** Discards the partial content. */
  abort(): Promise<void>;
}

/** Scratch kept in memory: for tests and small inputs only. */
export function memoryScratch(): Scratch {
  return {
    async create() {
      const parts: Uint8Array[] = [];
      return {
        async write(chunk) {
          parts.push(chunk.slice());
        },
        async close() {
          return new Blob(parts as BlobPart[]);
        },
        async abort() {
          parts.length = 0;
        },
      };
    },
  };
}
