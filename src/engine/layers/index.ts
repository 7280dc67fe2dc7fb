export { encodeLayer, LAYER_GZIP_LEVEL, type EncodedLayer, type EncodeLayerOptions } from './encode';
export * from './whiteout';
export * from './paths';
export { scanLayerTar, entryAt, type ScanEntry, type LayerFacts, type ScanOptions } from './scan';
export { unpackLayer, UnpackCache, type UnpackOptions, type UnpackResult, type LayerDigests } from './unpack';
