// The Files panel's row: one shape for both a layer's entries and the merged view (the worker sends either).

import type { FileEntry, MergedEntry } from '../../../engine/ops/files';

export type FileRow = Omit<FileEntry, 'pathProblem'> &
  Partial<Pick<MergedEntry, 'implied'>> & {
    /** Layer the entry is stored in (the chosen one, or in the merged view the one it comes from). */
    layer: number;
    /** Position in that layer's tar (extractFile's `ordinal`); undefined for implied directories. */
    ordinal?: number;
    pathProblem?: FileEntry['pathProblem'];
  };

/** What the Layer select can show: one layer, or everything merged. */
export type FilesChoice = { kind: 'layer'; layer: number } | { kind: 'merged' };
