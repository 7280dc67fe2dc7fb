// The Node side of big blobs: PartsBlob lives in the engine (src/engine/parts-blob.ts), which composes output
// archives with it; node.ts's scratch files use it for files past Node 20's 4 GiB Blob limit.
export { PartsBlob } from '../engine/parts-blob';
