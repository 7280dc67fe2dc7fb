// Saving a generated archive from the page. Two ways, chosen by what the browser has:
//  - showSaveFilePicker (Chromium): the user picks the file first (inside the click's user activation), then the
//    Blob is streamed to disk with progress. A FileSystemWritableFileStream writes to a temporary file that only
//    replaces the target on close(): on failure or cancel we abort() it, so no partial file is ever left.
//  - otherwise: an object URL of the Blob and an <a download> click. The Blob is composed of input File slices and
//    OPFS-backed scratch files (never one in-memory buffer, which Chromium cannot download at >= 512 MiB), and it
//    only exists once the job that made it has succeeded: a failed or cancelled run has nothing to offer.

import { LwError } from '../engine/errors';
import { sliceStream } from '../engine/io';

export type SaveOutcome = 'saved' | 'downloaded' | 'cancelled';

interface SavePickerWindow {
  showSaveFilePicker?: (opts: {
    suggestedName?: string;
    types?: { description: string; accept: Record<string, string[]> }[];
  }) => Promise<FileSystemFileHandle>;
}

interface Writable {
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<void>;
  abort(reason?: unknown): Promise<void>;
}

export function canPickSaveFile(): boolean {
  return typeof (globalThis as SavePickerWindow).showSaveFilePicker === 'function';
}

/** A place the user picked, before the content exists (call from the click handler, first thing). */
export interface SaveTarget {
  kind: 'picker' | 'download';
  name: string;
  handle?: FileSystemFileHandle;
  /** Set when the save dialog failed and the download manager is used instead: why, in plain words. */
  fallback?: string;
}

/**
 * A rejection faster than this is the browser refusing, not a person pressing Cancel: headless and some embedded
 * Chromiums reject with AbortError without ever showing the dialog. Nobody cancels a dialog within 150 ms.
 */
const REFUSAL_MS = 150;

/**
 * Asks where to save when the browser can (returns undefined when the user cancels the picker); otherwise
 * returns a download target. Must run while the click's user activation lasts, i.e. before awaiting any job.
 */
export async function chooseSaveTarget(suggestedName: string): Promise<SaveTarget | undefined> {
  const w = globalThis as SavePickerWindow;
  if (!w.showSaveFilePicker) return { kind: 'download', name: suggestedName };
  const t0 = performance.now();
  try {
    const handle = await w.showSaveFilePicker({
      suggestedName,
      types: [{ description: 'Image archive (tar)', accept: { 'application/x-tar': ['.tar'] } }],
    });
    return { kind: 'picker', name: handle.name, handle };
  } catch (e) {
    const name = (e as { name?: string })?.name;
    if (name === 'AbortError' && performance.now() - t0 >= REFUSAL_MS) return undefined; // the user's cancel
    // SecurityError (no user activation any more), a policy, or no dialog at all: fall back to a download.
    const fallback =
      name === 'AbortError' ? 'the browser did not show its save dialog' : `the save dialog failed (${name ?? 'error'}: ${(e as Error)?.message ?? e})`;
    return { kind: 'download', name: suggestedName, fallback };
  }
}

/**
 * Writes the finished Blob to the target. Picker: streamed, progress in bytes, abortable, never leaves a partial
 * file. Download: handed to the browser's download manager through an object URL.
 */
export async function saveBlob(
  blob: Blob,
  target: SaveTarget,
  opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<SaveOutcome> {
  if (target.kind === 'download' || !target.handle) {
    downloadBlob(blob, target.name);
    return 'downloaded';
  }
  let writable: Writable;
  try {
    writable = await (target.handle as unknown as { createWritable(): Promise<Writable> }).createWritable();
  } catch (e) {
    // Permission refused on the picked file: nothing written yet, so the download manager can still take it.
    target.fallback = `the picked file could not be written (${(e as Error)?.message ?? e})`;
    target.kind = 'download';
    downloadBlob(blob, target.name);
    return 'downloaded';
  }
  let done = 0;
  const reader = sliceStream(blob).getReader(); // 8 MiB reads: 64 KiB stream() chunks pile up (src/engine/io.ts)
  try {
    opts.onProgress?.(0, blob.size);
    for (;;) {
      if (opts.signal?.aborted) throw new LwError('cancelled', 'The download was cancelled.');
      const r = await reader.read();
      if (r.done) break;
      await writable.write(r.value);
      done += r.value.length;
      opts.onProgress?.(done, blob.size);
    }
    if (done !== blob.size) throw new LwError('write-failed', `Wrote ${done} of ${blob.size} bytes.`);
    await writable.close();
    return 'saved';
  } catch (e) {
    reader.cancel().catch(() => {});
    await writable.abort(e).catch(() => {});
    if (e instanceof LwError) throw e;
    throw new LwError('write-failed', `Could not save ${target.name}: ${(e as Error)?.message ?? e}`);
  }
}

let lastUrl: string | undefined;

/** Starts a browser download of a Blob. The URL stays valid until the next download (a large file takes time). */
export function downloadBlob(blob: Blob, name: string): void {
  if (lastUrl) URL.revokeObjectURL(lastUrl);
  lastUrl = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = lastUrl;
  a.download = name;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
}
