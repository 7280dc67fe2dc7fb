// Public API of the tar module: the project's one reader and one writer.
//
// Choices others rely on:
// - readTar/scanTar share one header parser (parse.ts), so they return identical TarEntry objects.
// - A global PAX 'g' header stays in effect for every later entry (merged into `pax`, fields applied) and its
//   blocks are part of the `raw` of the entry right after it: copying every entry with addRaw reproduces the
//   archive byte for byte. Dropping that entry drops the global header for the ones after it (their `pax` still
//   shows what was in effect; re-encode them with encodeHeader if that matters).
// - The end of the archive is the first zero block or EOF at a block boundary (as GNU tar); readTar then reads
//   the rest of the stream and discards it, so hashes/decompressors upstream see every byte.
// - `size` is the content that follows the header: 0 for header-only types whatever their size field says.
// - Names are UTF-8; bytes that are not valid UTF-8 become U+DC80..U+DCFF ("surrogateescape") and the writer
//   turns them back into the same bytes.
// - The writer ends directory paths with '/' (GNU tar, Go), writes records sorted by keyword in one PAX 'x'
//   header named "PaxHeaders/<basename>" with mtime 0, and is deterministic.
export type { TarEntry, TarEntryType, TarHeaderInput } from './types';
export { readTar, scanTar, scanTarEntries, normalizePath, type TarItem, type ReadTarOptions } from './reader';
export { encodeHeader, padding, END_OF_ARCHIVE, TarWriter, tarBlob } from './writer';
