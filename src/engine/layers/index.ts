export { encodeLayer, LAYER_GZIP_LEVEL, type EncodedLayer, type EncodeLayerOptions } from './encode';
export * from './whiteout';
export * from './paths';
export { scanLayerTar, entryAt, type ScanEntry, type LayerFacts, type ScanOptions } from './scan';
export { unpackLayer, UnpackCache, type UnpackOptions, type UnpackResult, type LayerDigests } from './unpack';
export { MergedFs, comparePaths, isUnder, joinPath, type MergedNode, type ParentRule, type Divergence, type LayerEntryLike } from './merge';
export { resolve, resolvedPath, MAX_SYMLINKS, type Resolution, type Lookup, type LinkNode, type ResolveOptions } from './resolve';
export { execChain, imageCommand, DEFAULT_PATH, type ExecChain, type ChainLink, type ImageCommand } from './exec';
