// Public API of the tar module: the project's one reader and one writer.
export type { TarEntry, TarEntryType, TarHeaderInput } from './types';
export { readTar, scanTar, normalizePath, type TarItem } from './reader';
export { encodeHeader, padding, END_OF_ARCHIVE, TarWriter, tarBlob } from './writer';
