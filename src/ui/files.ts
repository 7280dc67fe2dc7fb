// Turning what the user picked or dropped into the worker's OpenInput. Only names and File handles are
// touched here; the bytes are read by the engine, in the worker.

import type { FolderInput, OpenInput } from '../protocol';

export interface Picked {
  input: OpenInput;
  name: string;
}

/** From <input type="file" webkitdirectory>: each File carries its path in webkitRelativePath. */
export function fromFolderInput(files: FileList): Picked | undefined {
  if (!files.length) return undefined;
  const list: FolderInput = Array.from(files, (file) => ({ path: file.webkitRelativePath || file.name, file }));
  return { input: list, name: list[0].path.split('/')[0] || 'folder' };
}

/** From a drop: one file, or one folder (read recursively through the entries API). */
export async function fromDrop(dt: DataTransfer): Promise<Picked | undefined> {
  const items = Array.from(dt.items ?? []).filter((i) => i.kind === 'file');
  const entry = items[0]?.webkitGetAsEntry?.();
  if (entry?.isDirectory) {
    const list: FolderInput = [];
    await walk(entry as FileSystemDirectoryEntry, entry.name, list);
    return { input: list, name: entry.name };
  }
  const file = dt.files[0];
  return file ? { input: file, name: file.name } : undefined;
}

async function walk(dir: FileSystemDirectoryEntry, prefix: string, out: FolderInput): Promise<void> {
  const reader = dir.createReader();
  // readEntries returns at most ~100 entries per call: keep reading until it returns none.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) break;
    for (const e of batch) {
      const path = `${prefix}/${e.name}`;
      if (e.isDirectory) await walk(e as FileSystemDirectoryEntry, path, out);
      else if (e.isFile) {
        const file = await new Promise<File>((resolve, reject) => (e as FileSystemFileEntry).file(resolve, reject));
        out.push({ path, file });
      }
    }
  }
}

export const SAMPLE_NAME = 'sample-image.tar';

/** The bundled sample: the page's one fetch, same origin (precached by the service worker for offline use). */
export async function fetchSample(): Promise<Picked> {
  const url = new URL(`${import.meta.env.BASE_URL}sample/${SAMPLE_NAME}`, location.href);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`The sample image could not be loaded (HTTP ${res.status}).`);
  const blob = await res.blob();
  return { input: new File([blob], SAMPLE_NAME, { type: 'application/x-tar' }), name: SAMPLE_NAME };
}
