// The Node side of the injected environment (used by the CLI and tests): file-backed Blobs, so the engine sees
// the same Blob API as the browser's File, and scratch space in temp files.

import { openAsBlob } from 'node:fs';
import { mkdtemp, open, readdir, rm, stat, type FileHandle } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { LwError } from '../engine/errors';
import type { Scratch, ScratchFile } from '../engine/env';

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
  const root = () => (made ??= mkdtemp(join(dir ?? tmpdir(), 'layerwright-')).then((d) => {
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
      const path = join(await root(), `${++n}-${(name ?? 'blob').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80)}`);
      let fh: FileHandle | undefined = await open(path, 'wx');
      let written = 0;
      return {
        async write(chunk) {
          if (!fh) throw new LwError('write-failed', `Scratch file ${path} is already closed.`);
          try {
            let off = 0;
            while (off < chunk.length) {
              const { bytesWritten } = await fh.write(chunk, off, chunk.length - off);
              off += bytesWritten;
            }
          } catch (e) {
            throw new LwError('write-failed', `Could not write scratch file ${path}: ${(e as Error).message}`);
          }
          written += chunk.length;
        },
        async close() {
          if (!fh) throw new LwError('write-failed', `Scratch file ${path} is already closed.`);
          await fh.close();
          fh = undefined;
          const blob = await openAsBlob(path);
          if (blob.size !== written)
            throw new LwError('write-failed', `Scratch file ${path} holds ${blob.size} bytes, ${written} were written.`);
          return blob;
        },
        async abort() {
          await fh?.close().catch(() => {});
          fh = undefined;
          await rm(path, { force: true });
        },
      };
    },
    async dispose() {
      disposed = true;
      if (made) await rm(await made, { recursive: true, force: true });
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
 * to Blobs. Symlinked files are followed; symlinked directories are not (they could loop or leave the folder).
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
  const files = new Map<string, Blob>();
  const walk = async (dir: string) => {
    for (const ent of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, ent.name);
      if (ent.isDirectory()) await walk(full);
      else if (ent.isFile() || (ent.isSymbolicLink() && (await stat(full).catch(() => undefined))?.isFile())) {
        files.set(relative(path, full).split(sep).join('/'), await fileBlob(full));
      }
    }
  };
  await walk(path);
  return files;
}
