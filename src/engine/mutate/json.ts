// Re-serialization of OCI JSON documents. JSON.parse (and parseJson) keep keys in document order and
// JSON.stringify writes them back, so a rewritten document keeps its unknown fields and key order; only the values we change differ.
// (Caveat of JavaScript objects: integer-like keys, e.g. a label named "1", move to the front.)
// Output is compact, as umoci, containerd and Docker write it.

import { LwError } from '../errors';
import { decodeDoc, parseJson, type DocKind } from '../oci/json';

/**
 * Parses a document to rewrite it. With `kind`, Go's reading (oci/goschema.ts): known fields under their
 * canonical names with the value Docker and containerd read, so a rewritten document says unambiguously what the
 * engines saw in the original.
 */
export function parseDoc<T = Record<string, unknown>>(bytes: Uint8Array, name: string, kind?: DocKind): T {
  let v = parseJson(bytes, name);
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new LwError('corrupt', `${name} is not a valid JSON document: not a JSON object`, { blob: name });
  if (kind) v = decodeDoc(v, kind, name).value;
  return v as T;
}
export function serializeDoc(v: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(v));
}
