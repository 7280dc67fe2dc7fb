// The browser's engine environment, used inside the engine worker.
//
// Scratch files live in the origin private file system (OPFS) through synchronous access handles, which only
// dedicated workers have. OPFS has been seen to stop writing without an error (an incognito-like profile stopped
// at ~1.3 GB), so every write's returned byte count is checked and a short write rejects with `write-failed`
// instead of producing a silently truncated blob. Where OPFS is missing (older Safari, some private modes) the
// scratch falls back to memory, which is fine for small images.
// Sizes past 2 and 4 GiB need nothing special here (unlike Node 20, see node-bigblob.ts): write offsets are
// doubles (`{ at }`), and getSize() and the File's size are checked against the bytes written.

import { LwError } from '../engine/errors';
import { memoryScratch, type Scratch, type ScratchFile } from '../engine/env';

const ROOT_DIR = 'layerwright-scratch';

let counter = 0;

/** A scratch whose files can all be dropped at once (when no open image needs them any more). */
export interface ClearableScratch extends Scratch {
  /** Removes every file that is not being written right now. Blobs returned earlier become unreadable. */
  clear(): Promise<void>;
}

/** OPFS scratch in its own directory, held by a Web Lock so other tabs can tell it is still in use. */
export async function opfsScratch(): Promise<ClearableScratch | undefined> {
  const storage = (globalThis as { navigator?: Navigator }).navigator?.storage;
  if (!storage?.getDirectory) return undefined;
  let root: FileSystemDirectoryHandle;
  try {
    root = await (await storage.getDirectory()).getDirectoryHandle(ROOT_DIR, { create: true });
  } catch {
    return undefined; // OPFS disabled (e.g. some private browsing modes)
  }
  const sessionName = `s-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const dir = await root.getDirectoryHandle(sessionName, { create: true });
  holdLock(sessionName);
  void sweepStale(root, sessionName);

  // Probe once: getDirectory exists on the main thread too, but sync handles only in dedicated workers.
  const probe = await dir.getFileHandle('probe', { create: true });
  const usable = typeof probe.createSyncAccessHandle === 'function';
  await dir.removeEntry('probe').catch(() => {});
  if (!usable) {
    await root.removeEntry(sessionName, { recursive: true }).catch(() => {});
    return undefined;
  }

  const writing = new Set<string>(); // files with an open handle: clear() leaves them alone
  /** Writes smaller than this are gathered into one of this size (one buffer per open file). */
  const GATHER = 1024 * 1024;
  return {
    async clear() {
      const names: string[] = [];
      for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
      for (const name of names) if (!writing.has(name)) await dir.removeEntry(name).catch(() => {});
    },
    async create(name?: string): Promise<ScratchFile> {
      const fileName = `${++counter}-${(name ?? 'blob').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80)}`;
      const fh = await dir.getFileHandle(fileName, { create: true });
      const handle = await fh.createSyncAccessHandle();
      writing.add(fileName);
      let offset = 0;
      let open = true;
      const fail = (msg: string): never => {
        if (open) {
          open = false;
          writing.delete(fileName);
          try {
            handle.close();
          } catch {
            /* already closed */
          }
        }
        throw new LwError('write-failed', msg, { entry: fileName });
      };
      // Small writes are gathered into one 1 MiB write: each SyncAccessHandle.write() has a cost of its own. Measured
      // in the bench page, fix wrote its 316 MB layer in 5,912 writes of ~53 KiB that took 2.2 s of the engine
      // thread; gathered, that thread's share of fix fell by ~0.5 s. A storage failure still fails close() at the
      // latest, so no file that lost bytes is ever handed out.
      let pend = new Uint8Array(0);
      let fill = 0;
      const put = (bytes: Uint8Array) => {
        let written: number;
        try {
          written = handle.write(bytes as Uint8Array<ArrayBuffer>, { at: offset });
        } catch (e) {
          return fail(`Could not write to browser storage (${(e as Error).message}); it may be full.`);
        }
        if (written !== bytes.byteLength)
          fail(
            `Browser storage accepted only ${written} of ${bytes.byteLength} bytes at offset ${offset}; ` +
              'it is probably full (private windows have a small quota).',
          );
        offset += written;
      };
      const drain = () => {
        if (fill) put(pend.subarray(0, fill));
        fill = 0;
      };
      return {
        async write(chunk: Uint8Array) {
          if (!open) fail('The scratch file was already closed.');
          if (chunk.byteLength === 0) return;
          if (chunk.byteLength >= GATHER) {
            drain();
            put(chunk);
            return;
          }
          if (fill + chunk.byteLength > GATHER) drain();
          if (pend.length === 0) pend = new Uint8Array(GATHER);
          pend.set(chunk, fill);
          fill += chunk.byteLength;
        },
        async close() {
          if (!open) fail('The scratch file was already closed.');
          drain();
          pend = new Uint8Array(0);
          try {
            handle.flush();
            const size = handle.getSize();
            handle.close();
            open = false;
            writing.delete(fileName);
            if (size !== offset) fail(`Browser storage kept ${size} of ${offset} bytes written.`);
          } catch (e) {
            if (e instanceof LwError) throw e;
            fail(`Could not finish the scratch file: ${(e as Error).message}`);
          }
          const file = await fh.getFile();
          if (file.size !== offset) fail(`Browser storage reports ${file.size} of ${offset} bytes written.`);
          return file;
        },
        async abort() {
          writing.delete(fileName);
          pend = new Uint8Array(0);
          fill = 0;
          if (open) {
            open = false;
            try {
              handle.close();
            } catch {
              /* ignore */
            }
          }
          await dir.removeEntry(fileName).catch(() => {});
        },
      };
    },
  };
}

/** The scratch the worker uses: OPFS where it works, memory otherwise. */
export async function browserScratch(): Promise<{ scratch: ClearableScratch; kind: 'opfs' | 'memory' }> {
  try {
    const s = await opfsScratch();
    if (s) return { scratch: s, kind: 'opfs' };
  } catch {
    /* fall through to memory */
  }
  // Memory scratch files are plain Blobs: they go when nothing references them.
  return { scratch: { ...memoryScratch(), clear: async () => {} }, kind: 'memory' };
}

// --- housekeeping: a tab that closed leaves its scratch directory behind; the next worker removes it ---------

function locks(): LockManager | undefined {
  return (globalThis as { navigator?: Navigator }).navigator?.locks;
}

function holdLock(name: string): void {
  // The lock is held for the life of this worker: the promise never resolves.
  void locks()?.request(`${ROOT_DIR}/${name}`, () => new Promise<void>(() => {}));
}

async function sweepStale(root: FileSystemDirectoryHandle, mine: string): Promise<void> {
  const lm = locks();
  if (!lm) return; // without Web Locks we cannot tell a live session from a dead one: leave them
  try {
    const entries = (root as unknown as { keys(): AsyncIterable<string> }).keys();
    for await (const name of entries) {
      if (name === mine) continue;
      await lm.request(`${ROOT_DIR}/${name}`, { ifAvailable: true }, async (lock) => {
        if (lock) await root.removeEntry(name, { recursive: true }).catch(() => {});
      });
    }
  } catch {
    /* best effort */
  }
}
