// The Node side of the injected environment (used by the CLI and tests): file-backed Blobs, so the engine sees
// the same Blob API as the browser's File, and scratch space in temp files.

import { openAsBlob } from 'node:fs';
import { mkdtemp, open, readdir, readlink, realpath, rm, stat, type FileHandle } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { join, relative, sep } from 'node:path';
import { LwError } from '../engine/errors';
import type { Scratch, ScratchFile } from '../engine/env';
import { PartsBlob } from './node-bigblob';

/** Scratch files are split into parts of this size; tests lower it to exercise the split cheaply. */
export let SCRATCH_PART = 1024 ** 3;
export function setScratchPartSize(n: number): void {
  SCRATCH_PART = n;
}
import { deflatePool, type DeflatePool } from '../engine/compress/pool';

export interface NodeScratch extends Scratch {
  /** Directory holding the scratch files (created on first use). */
  readonly dir: Promise<string>;
  /** Deletes every scratch file. Blobs handed out become unreadable: call it when the output is written. */
  dispose(): Promise<void>;
}

/**
 * Scratch files under `dir` (default: a fresh directory in the OS temp dir). close() returns a file-backed Blob
 * (fs.openAsBlob) whose size is checked against the bytes written. The files live until dispose() or exit.
 */
export function nodeScratch(dir?: string): NodeScratch {
  let made: Promise<string> | undefined;
  let disposed = false;
  const root = () => (made ??= (async () => {
    // An empty LAYERWRIGHT_TMP would put scratch (hundreds of MB) in the working directory.
    if (dir === '') throw new LwError('invalid-argument', 'LAYERWRIGHT_TMP is set but empty: set it to a directory for scratch files, or unset it.');
    return mkdtemp(join(dir ?? tmpdir(), 'layerwright-'));
  })().then((d) => {
    // Blobs are read lazily from the path, so the files must outlive every Blob: remove them at exit.
    process.once('exit', () => {
      if (!disposed) rmSync(d, { recursive: true, force: true });
    });
    return d;
  }));
  let n = 0;
  return {
    get dir() {
      return root();
    },
    async create(name?: string): Promise<ScratchFile> {
      const base = join(await root(), `${++n}-${(name ?? 'blob').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80)}`);
      // Written as parts of at most SCRATCH_PART bytes (see node-bigblob.ts); most files have one part.
      const paths: string[] = [];
      const sizes: number[] = [];
      let fh: FileHandle | undefined;
      let inPart = 0;
      let closed = false;
      const nextPart = async () => {
        await fh?.close();
        const path = paths.length === 0 ? base : `${base}.part${paths.length}`;
        fh = await open(path, 'wx');
        paths.push(path);
        sizes.push(0);
        inPart = 0;
      };
      await nextPart();
      return {
        async write(chunk) {
          if (closed || !fh) throw new LwError('write-failed', `Scratch file ${base} is already closed.`);
          try {
            let off = 0;
            while (off < chunk.length) {
              if (inPart >= SCRATCH_PART) await nextPart();
              const want = Math.min(chunk.length - off, SCRATCH_PART - inPart);
              const { bytesWritten } = await fh!.write(chunk, off, want);
              off += bytesWritten;
              inPart += bytesWritten;
              sizes[sizes.length - 1] += bytesWritten;
            }
          } catch (e) {
            throw new LwError('write-failed', `Could not write scratch file ${base}: ${(e as Error).message}`);
          }
        },
        async close() {
          if (closed || !fh) throw new LwError('write-failed', `Scratch file ${base} is already closed.`);
          closed = true;
          await fh.close();
          fh = undefined;
          const parts: Blob[] = [];
          for (let i = 0; i < paths.length; i++) {
            const blob = await openAsBlob(paths[i]);
            if (blob.size !== sizes[i])
              throw new LwError('write-failed', `Scratch file ${paths[i]} holds ${blob.size} bytes, ${sizes[i]} were written.`);
            parts.push(blob);
          }
          const total = sizes.reduce((a, b) => a + b, 0);
          if (parts.length === 1) return parts[0];
          return total < NODE_BLOB_LIMIT ? new Blob(parts) : new PartsBlob(parts);
        },
        async abort() {
          closed = true;
          await fh?.close().catch(() => {});
          fh = undefined;
          for (const p of paths) await rm(p, { force: true });
        },
      };
    },
    async dispose() {
      disposed = true;
      const d = await made?.catch(() => undefined); // a scratch dir that could not be made has nothing to remove
      if (d) await rm(d, { recursive: true, force: true });
    },
  };
}

/** Node 20's Blob addresses bytes with 32-bit numbers (openAsBlob's size wraps, slice() asserts). */
export const NODE_BLOB_LIMIT = 2 ** 32;

async function fileBlob(path: string, size?: number): Promise<Blob> {
  size ??= (await stat(path)).size;
  const blob = await openAsBlob(path);
  if (blob.size !== size)
    throw new LwError(
      'invalid-argument',
      `${path} is ${size} bytes; this Node.js (${process.version}) cannot read files of 4 GiB or more as a Blob (its Blob offsets are 32-bit). Open it in the browser instead.`,
    );
  return blob;
}

/**
 * A path as the engine takes it: a file → file-backed Blob; a directory → Map of '/'-separated relative paths
 * to Blobs. A folder input never leaves its root (issue 14): every symlink in it is resolved (realpath) and must
 * land inside the folder — a link to a host file such as /etc/shadow is refused with `unsafe-path`, and the file
 * read is the resolved one, never the link's target re-resolved later. Symlinked directories inside the folder
 * are walked once each (a loop ends there); dangling links are refused too (an image would miss that blob).
 */
export async function openPath(path: string): Promise<Blob | Map<string, Blob>> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    throw new LwError('invalid-argument', `Cannot open ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (st.isFile()) return fileBlob(path, st.size);
  if (!st.isDirectory()) throw new LwError('invalid-argument', `${path} is neither a file nor a directory.`);
  const root = await realpath(path);
  const inside = (p: string) => p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);
  const files = new Map<string, Blob>();
  const walked = new Set<string>([root]);
  const walk = async (dir: string, rel: string) => {
    for (const ent of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, ent.name);
      const name = rel ? `${rel}/${ent.name}` : ent.name;
      if (ent.isDirectory()) await walk(full, name);
      else if (ent.isFile()) files.set(name, await fileBlob(full));
      else if (ent.isSymbolicLink()) {
        const real = await realpath(full).catch(() => undefined);
        if (!real || !inside(real))
          throw new LwError(
            'unsafe-path',
            `The folder's ${name} is a symlink ${real ? 'to a file outside the folder' : 'that leads nowhere'} (${await readlink(full).catch(() => '?')}): a folder input is only read inside its own root.`,
            { entry: name },
          );
        const target = await stat(real);
        if (target.isFile()) files.set(name, await fileBlob(real, target.size));
        else if (target.isDirectory() && !walked.has(real)) {
          walked.add(real);
          await walk(real, name);
        }
      }
    }
  };
  await walk(root, '');
  return files;
}

// ---- Deflate pool (issue 11): worker_threads running src/platform/deflate-thread.ts ----

/**
 * A deflate pool of `size` worker threads (default: one per core). The thread entry is TypeScript, like the
 * CLI: each thread first registers tsx's loader (tsx does not carry its hooks into worker threads), then imports
 * it. Idle threads do not keep the process alive.
 */
export function nodeDeflater(size = availableParallelism()): DeflatePool {
  const entry = new URL('./deflate-thread.ts', import.meta.url).href;
  // The package's ESM entry (require.resolve finds the CommonJS one, which cannot register in a thread).
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return deflatePool(() => {
    const w = new Worker(boot, { eval: true });
    w.unref();
    return {
      post: (job, transfer) => w.postMessage(job, transfer),
      listen(reply, fail) {
        w.on('message', reply);
        w.on('error', fail);
        w.on('exit', (code) => fail(new Error(`deflate thread exited (${code})`)));
      },
      busy: (on) => (on ? w.ref() : w.unref()),
      terminate: () => void w.terminate(),
    };
  }, size);
}
