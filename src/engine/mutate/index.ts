export { rechain, type RechainResult } from './rechain';
export type { BlobReplacement, AppendedLayer, ImageEdit, RechainEdits } from './types';
export { parseDoc, serializeDoc } from './json';
