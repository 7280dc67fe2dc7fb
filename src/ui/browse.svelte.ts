// What the file browser shows, shared between the panels that point into it: Layer sizes opens a layer in the
// File tree, the File tree selects a file, Preview shows the selected file. Plain state, no format logic.
// `sessionId` + `image` say which open image a request is for, so a request never leaks into another image.

/** A layer index (0 = bottom) or the merged filesystem after `upto` (every layer when absent). */
export type BrowseTarget = { layer: number } | { merged: true; upto?: number };

export interface FileSelection {
  sessionId: string;
  image: number;
  target: BrowseTarget;
  /** Cleaned path ('etc/os-release'). */
  path: string;
}

export const browse = $state<{
  /** The last "open this in the file browser" request; `seq` grows so the same layer can be asked for twice. */
  open: { sessionId: string; image: number; target: BrowseTarget; seq: number } | null;
  /** The file chosen in the file browser (Preview shows it). */
  selected: FileSelection | null;
}>({ open: null, selected: null });

/** Asks the file browser to show `target` (it scrolls into view and focuses its tree). */
export function openInFiles(sessionId: string, image: number, target: BrowseTarget): void {
  browse.open = { sessionId, image, target, seq: (browse.open?.seq ?? 0) + 1 };
}

export function selectFile(sel: FileSelection | null): void {
  browse.selected = sel;
}
