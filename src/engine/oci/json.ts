// Bounded JSON reads: manifests, configs and indexes are small by nature; a "manifest" of 2 GB is an attack or a
// mistake, never something to load. Every parse failure names the blob it came from.

import { LwError } from '../errors';
import type { Descriptor, ImageConfig, ImageIndex, ImageManifest } from './types';
import { ANY_DIGEST_RE } from './types';
import { entriesOf, foldKey, hasRepeatedKeys, parseGoJson } from './gojson';
import { DescriptorType, GoDecoder, GoTypeError, goTypeOf, type Ambiguity, type DocKind, type GoType } from './goschema';

export type { Ambiguity, DocKind } from './goschema';

export const MAX_JSON_BYTES = 16 * 1024 * 1024;
/**
 * Deepest nesting of arrays/objects accepted. JSON.parse itself copes with far deeper documents, but everything
 * recursive after it does not: JSON.stringify, structured clone (the worker's reply to the UI fails with
 * "Unserializable return value"), the UI's tree views. Real OCI documents nest fewer than 10 levels.
 */
export const MAX_JSON_DEPTH = 256;

/**
 * True when the JSON text nests arrays/objects deeper than `limit`. One pass over the bytes, no allocation:
 * brackets inside strings (with their backslash escapes) do not count. Malformed JSON is left to JSON.parse.
 */
export function jsonTooDeep(bytes: Uint8Array, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const c = bytes[i];
    if (c === 0x22 /* " */) {
      for (i++; i < n; i++) {
        const s = bytes[i];
        if (s === 0x5c /* \ */) i++;
        else if (s === 0x22) break;
      }
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > limit) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return false;
}

/** Throws LwError('corrupt') when the document nests deeper than MAX_JSON_DEPTH. */
export function checkJsonDepth(bytes: Uint8Array, name: string): void {
  if (jsonTooDeep(bytes, MAX_JSON_DEPTH))
    throw new LwError('corrupt', `${name}: JSON nested deeper than ${MAX_JSON_DEPTH} levels`, { blob: name });
}

/** Reads and parses a JSON blob of at most MAX_JSON_BYTES. `name` is a digest or archive path for messages. */
export async function readJson(blob: Blob, name: string): Promise<{ value: unknown; bytes: Uint8Array }> {
  if (blob.size > MAX_JSON_BYTES)
    throw new LwError('corrupt', `${name} is ${blob.size} bytes: too large for a JSON document (limit 16 MiB).`, { blob: name });
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await blob.arrayBuffer());
  } catch (e) {
    throw new LwError('truncated', `${name} could not be read: ${(e as Error).message}`, { blob: name });
  }
  return { value: parseJson(bytes, name), bytes };
}

/**
 * Parses JSON as Go's encoding/json does (oci/gojson.ts): a BOM or any byte before the value is an error, objects
 * carry every key as written for asIndex/asManifest/asConfig to apply Go's field matching.
 */
export function parseJson(bytes: Uint8Array, name: string): unknown {
  checkJsonDepth(bytes, name);
  try {
    // ignoreBOM keeps a leading U+FEFF in the text, where the parser rejects it as Go does.
    return parseGoJson(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes));
  } catch (e) {
    throw new LwError('corrupt', `${name} is not valid JSON: ${(e as Error).message}`, { blob: name });
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(name: string, what: string): LwError {
  return new LwError('corrupt', `${name}: ${what}`, { blob: name });
}

/**
 * Go's reading of a parsed document as the struct `kind` (see goschema.ts): known fields under their canonical
 * names, with the ambiguities found. A value Go cannot decode into the struct is a `corrupt` error, as the
 * engines refuse it.
 */
export function decodeDoc(v: unknown, kind: DocKind | GoType, name: string): { value: unknown; ambiguities: Ambiguity[] } {
  const d = new GoDecoder();
  try {
    const isKind = kind === 'index' || kind === 'manifest' || kind === 'config' || kind === 'docker-manifest';
    const value = d.decode(v, isKind ? goTypeOf(kind) : kind, '');
    return { value, ambiguities: d.ambiguities };
  } catch (e) {
    if (e instanceof GoTypeError) throw bad(name, e.message);
    throw e;
  }
}

/** Ambiguous fields of a stored JSON document (bounded read): what diagnose and verify report as ambiguous-json. */
export async function documentAmbiguities(blob: Blob, kind: DocKind, name: string): Promise<Ambiguity[]> {
  const { value } = await readJson(blob, name);
  if (!hasRepeatedKeys(value)) return []; // the common case: no key twice, nothing to decode again
  return decodeDoc(value, kind, name).ambiguities;
}

/** Checks the fields a descriptor must have; the rest is kept as found. */
export function asDescriptor(v: unknown, name: string, field: string): Descriptor {
  if (!isObject(v)) throw bad(name, `${field} is not a descriptor object.`);
  v = decodeDoc(v, DescriptorType, name).value;
  return checkDescriptor(v as Record<string, unknown>, name, field);
}

function checkDescriptor(v: Record<string, unknown>, name: string, field: string): Descriptor {
  if (typeof v.digest !== 'string' || !ANY_DIGEST_RE.test(v.digest)) throw bad(name, `${field} has an invalid digest ${JSON.stringify(v.digest)}.`);
  if (typeof v.size !== 'number' || !Number.isSafeInteger(v.size) || v.size < 0) throw bad(name, `${field} has an invalid size ${JSON.stringify(v.size)}.`);
  if (v.mediaType != null && typeof v.mediaType !== 'string') throw bad(name, `${field} has a non-string mediaType.`);
  // mediaType is required by the spec but old writers omit it on index entries; '' marks "not given".
  return { ...(v as unknown as Descriptor), mediaType: (v.mediaType as string | undefined) ?? '' };
}

export function asIndex(v: unknown, name: string): ImageIndex {
  if (!isObject(v)) throw bad(name, 'an image index must be a JSON object.');
  const doc = decodeDoc(v, 'index', name).value as Record<string, unknown>;
  if (!Array.isArray(doc.manifests)) throw bad(name, 'an image index needs a "manifests" array.');
  const manifests = doc.manifests.map((d, i) => {
    if (!isObject(d)) throw bad(name, `manifests[${i}] is not a descriptor object.`);
    return checkDescriptor(d, name, `manifests[${i}]`);
  });
  return { ...(doc as unknown as ImageIndex), manifests };
}

export function asManifest(v: unknown, name: string): ImageManifest {
  if (!isObject(v)) throw bad(name, 'an image manifest must be a JSON object.');
  const doc = decodeDoc(v, 'manifest', name).value as Record<string, unknown>;
  if (!Array.isArray(doc.layers)) throw bad(name, 'an image manifest needs a "layers" array.');
  if (!isObject(doc.config)) throw bad(name, 'config is not a descriptor object.');
  const config = checkDescriptor(doc.config, name, 'config');
  const layers = doc.layers.map((d, i) => {
    if (!isObject(d)) throw bad(name, `layers[${i}] is not a descriptor object.`);
    return checkDescriptor(d, name, `layers[${i}]`);
  });
  return { ...(doc as unknown as ImageManifest), config, layers };
}

/**
 * Go's reading of the config (field names folded, types checked as Docker's structs do). Missing required
 * fields (os, architecture, rootfs) are left for diagnose to report: the image can still be shown.
 */
export function asConfig(v: unknown, name: string): ImageConfig {
  if (!isObject(v)) throw bad(name, 'an image config must be a JSON object.');
  return decodeDoc(v, 'config', name).value as ImageConfig;
}

/** Which kind of document a JSON blob is when its descriptor has no media type. */
export function sniffKind(v: unknown): 'index' | 'manifest' | undefined {
  if (!isObject(v)) return undefined;
  // Go's field matching: the last key that folds to the name.
  const field = (f: string) => entriesOf(v).filter((e) => foldKey(e.key) === f).pop()?.value;
  if (Array.isArray(field('manifests'))) return 'index';
  if (isObject(field('config')) && Array.isArray(field('layers'))) return 'manifest';
  return undefined;
}
