// The Files panel's row: one shape for a layer's entries, the merged view and a compare's paths.

import type { EntryStat, FileEntry, MergedEntry } from '../../../engine/ops/files';
import type { DiffField, DiffKind } from '../../../engine/ops/explore/compare';

export type FileRow = Omit<FileEntry, 'pathProblem'> &
  Partial<Pick<MergedEntry, 'implied'>> & {
    /** Layer the entry is stored in (the chosen one, or in the merged view the one it comes from). */
    layer: number;
    /** Position in that layer's tar (extractFile's `ordinal`); undefined for implied directories. */
    ordinal?: number;
    pathProblem?: FileEntry['pathProblem'];
  };

/** A row of the tree or list: a listing row, or a compare's path (then `change` says how it differs). */
export type ViewRow = Omit<FileRow, 'layer'> & {
  layer?: number;
  change?: DiffKind;
  what?: DiffField[];
  /** The entry before (changed and removed paths). */
  before?: EntryStat;
};

/** What the Layer select can show: one layer, or everything merged. */
export type FilesChoice = { kind: 'layer'; layer: number } | { kind: 'merged' };
