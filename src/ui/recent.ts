// Recent images, kept in IndexedDB (idb-keyval) so an image can be found again after a reload or the next day.
// Kept per image: its name, size, last-modified time, the manifest digests, a one-line problem summary, when it
// was opened and — where the browser gives one (showOpenFilePicker, or a drop's getAsFileSystemHandle) — its
// FileSystemFileHandle, so it reopens with one click after the permission prompt. The image's bytes are never
// stored; without a handle, reopening asks for the file again and checks its name and size.

import { get, set, del } from 'idb-keyval';

const KEY = 'layerwright.recent-images';
/** Enough to find last week's images again without growing without bound. */
export const RECENT_MAX = 12;

export interface RecentImage {
  /** name + size + lastModified: the same file opened twice is one entry. */
  id: string;
  name: string;
  size: number;
  lastModified: number;
  /** Manifest digests of the images in the archive. */
  digests: string[];
  /** "No problems found", "2 problems", or undefined before the diagnosis ended. */
  problems?: string;
  /** When it was last opened (ms since the epoch). */
  openedAt: number;
  handle?: FileSystemFileHandle;
}

export const recentId = (f: { name: string; size: number; lastModified: number }) => `${f.name}\u0000${f.size}\u0000${f.lastModified}`;

export async function listRecent(): Promise<RecentImage[]> {
  try {
    const list = (await get<RecentImage[]>(KEY)) ?? [];
    return Array.isArray(list) ? list.toSorted((a, b) => b.openedAt - a.openedAt) : [];
  } catch {
    return []; // IndexedDB unavailable (private mode, blocked storage): the list is simply empty
  }
}

async function save(list: RecentImage[]): Promise<void> {
  try {
    await set(KEY, list.toSorted((a, b) => b.openedAt - a.openedAt).slice(0, RECENT_MAX));
  } catch {
    // Not being able to remember is not an error the user must handle.
  }
}

/** Adds or refreshes an entry (a handle already known is kept when the new open came without one). */
export async function rememberRecent(entry: Omit<RecentImage, 'id'>): Promise<RecentImage> {
  const list = await listRecent();
  const id = recentId(entry);
  const old = list.find((r) => r.id === id);
  const next: RecentImage = { ...old, ...entry, id, handle: entry.handle ?? old?.handle };
  if (!next.handle) delete next.handle;
  await save([next, ...list.filter((r) => r.id !== id)]);
  return next;
}

export async function updateRecent(id: string, change: Partial<Pick<RecentImage, 'problems' | 'digests'>>): Promise<void> {
  const list = await listRecent();
  const i = list.findIndex((r) => r.id === id);
  if (i < 0) return;
  list[i] = { ...list[i], ...change };
  await save(list);
}

export async function forgetRecent(id: string): Promise<void> {
  await save((await listRecent()).filter((r) => r.id !== id));
}

export async function forgetAllRecent(): Promise<void> {
  try {
    await del(KEY);
  } catch {
    // nothing stored
  }
}

type PermissionHandle = FileSystemFileHandle & {
  queryPermission?: (d: { mode: 'read' }) => Promise<PermissionState>;
  requestPermission?: (d: { mode: 'read' }) => Promise<PermissionState>;
};

/**
 * The file behind a stored handle, asking for read permission when the browser wants it (the caller is a click).
 * Undefined when permission is refused or the file is gone.
 */
export async function fileFromHandle(handle: FileSystemFileHandle): Promise<File | undefined> {
  const h = handle as PermissionHandle;
  try {
    let state = (await h.queryPermission?.({ mode: 'read' })) ?? 'granted';
    if (state !== 'granted') state = (await h.requestPermission?.({ mode: 'read' })) ?? 'denied';
    if (state !== 'granted') return undefined;
    return await h.getFile();
  } catch {
    return undefined;
  }
}

/** Whether the page can pick files with handles (Chromium's File System Access API). */
export function canPickWithHandle(): boolean {
  return typeof (globalThis as { showOpenFilePicker?: unknown }).showOpenFilePicker === 'function';
}

/** One file through showOpenFilePicker: the File and its handle, or undefined when the user cancelled. */
export async function pickWithHandle(): Promise<{ file: File; handle: FileSystemFileHandle } | undefined> {
  const pick = (globalThis as unknown as { showOpenFilePicker: (o?: object) => Promise<FileSystemFileHandle[]> }).showOpenFilePicker;
  try {
    const [handle] = await pick({ multiple: false });
    if (!handle) return undefined;
    return { file: await handle.getFile(), handle };
  } catch (e) {
    if ((e as { name?: string }).name === 'AbortError') return undefined;
    throw e;
  }
}
