// Re-serialization of OCI JSON documents. JSON.parse keeps key insertion order and JSON.stringify writes it
// back, so a rewritten document keeps its unknown fields and key order; only the values we change differ.
// (Caveat of JavaScript objects: integer-like keys, e.g. a label named "1", move to the front.)
// Output is compact, as umoci, containerd and Docker write it.

import { LwError } from '../errors';
import { checkJsonDepth } from '../oci/json';

export function parseDoc<T = Record<string, unknown>>(bytes: Uint8Array, name: string): T {
  checkJsonDepth(bytes, name);
  try {
    const v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
    return v as T;
  } catch (e) {
    throw new LwError('corrupt', `${name} is not a valid JSON document: ${(e as Error).message}`, { blob: name });
  }
}

export function serializeDoc(v: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(v));
}
