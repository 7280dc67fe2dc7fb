// Opening a file so that Recent images remembers it: the entry is written once the archive opened, and its problem
// summary once the automatic diagnosis of that session ends (a root effect: the start screen is gone by then).

import { app } from './state.svelte';
import { rememberRecent, updateRecent, fileFromHandle, type RecentImage } from './recent';
import { LwError } from '../engine/errors';
import { formatBytes } from './format';

export const recentChanged = $state({ seq: 0 });

export async function openAndRemember(file: File, handle?: FileSystemFileHandle): Promise<boolean> {
  const ok = await app.open(file, file.name);
  const opened = app.opened;
  if (!ok || !opened) return ok;
  const entry = await rememberRecent({
    name: file.name,
    size: file.size,
    lastModified: file.lastModified,
    digests: opened.images.map((i) => i.manifest.digest),
    openedAt: Date.now(),
    handle,
  });
  recentChanged.seq++;
  const sessionId = opened.sessionId;
  const stop = $effect.root(() => {
    $effect(() => {
      const r = app.diagnosisOf(sessionId) ?? (app.opened?.sessionId === sessionId ? app.diagnosis.result : null);
      if (app.opened?.sessionId !== sessionId && !r) return void queueMicrotask(stop); // another image replaced it
      if (!r) return;
      const n = r.problems.length;
      void updateRecent(entry.id, { problems: n === 0 ? 'No problems found' : `${n} ${n === 1 ? 'problem' : 'problems'}` }).then(() => recentChanged.seq++);
      queueMicrotask(stop);
    });
  });
  return true;
}

/** Reopens a recent image: through its handle (one click, after the permission prompt), else from a file picked now. */
export async function reopenRecent(entry: RecentImage, pickFile: () => Promise<File | undefined>): Promise<boolean> {
  let file: File | undefined;
  if (entry.handle) file = await fileFromHandle(entry.handle);
  let handle = file ? entry.handle : undefined;
  if (!file) {
    file = await pickFile();
    if (!file) return false;
    handle = undefined;
    if (file.name !== entry.name || file.size !== entry.size) {
      app.showError(
        new LwError(
          'invalid-argument',
          `That is not ${entry.name} (${formatBytes(entry.size)}): you chose ${file.name} (${formatBytes(file.size)}). Choose the same file to reopen it, or open it as a new image.`,
        ),
      );
      return false;
    }
  }
  return openAndRemember(file, handle);
}
