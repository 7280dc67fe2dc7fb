// Decoding a parseGoJson value into the Go structs the engines use (image-spec's specs-go, moby's image and
// tarexport types), with encoding/json's rules: a key maps to the field whose name equals it exactly, else to the
// field equal under case folding; every key that maps to a field is decoded in document order, so the last wins;
// a struct (or pointer to struct) decoded twice is merged, a map decoded twice gets the union of keys, a slice is
// replaced; `null` clears a slice, map or pointer and leaves anything else alone; a wrong type is an error.
// The result is a plain object with each known field under its canonical name (what Go read), unknown fields kept.
// A field written more than once with different values is an ambiguity: Go reads the last, other readers the first.

import { entriesOf, foldKey, rawNumbersOf } from './gojson';

export type GoType =
  | 'string'
  | 'int64'
  | 'bool'
  | 'any'
  /** moby's strslice.StrSlice: a string or a list of strings (Entrypoint, Cmd). */
  | 'strslice'
  | { struct: Record<string, GoType>; ptr?: boolean }
  | { slice: GoType }
  | { map: GoType };

export interface Ambiguity {
  /** Where, e.g. `layers` or `manifests[0].digest`. */
  field: string;
  /** The keys as written, in document order. */
  keys: string[];
  message: string;
}

export class GoTypeError extends Error {}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

function typeName(t: GoType): string {
  if (typeof t === 'string') return t === 'strslice' ? 'string or []string' : t === 'any' ? 'interface {}' : t;
  if ('struct' in t) return t.ptr ? '*struct' : 'struct';
  if ('slice' in t) return `[]${typeName(t.slice)}`;
  return `map[string]${typeName(t.map)}`;
}

function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Go's int64 reading of a number token: digits only, optional minus, within range. */
function int64(raw: string | undefined, v: number, field: string): number {
  const text = raw ?? String(v);
  if (!/^-?(0|[1-9][0-9]*)$/.test(text))
    throw new GoTypeError(`${field}: the number ${text} is not an integer as Go reads it into int64 (no fraction or exponent).`);
  const big = BigInt(text);
  if (big > INT64_MAX || big < INT64_MIN) throw new GoTypeError(`${field}: the number ${text} overflows int64.`);
  return Number(big);
}

/** Same value as written? Compared on canonical JSON text (numbers by their source text where known). */
function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class GoDecoder {
  readonly ambiguities: Ambiguity[] = [];

  /** Decodes `v` into type `t`; `prev` is the value already in the field (for merging). */
  decode(v: unknown, t: GoType, field: string, raw?: string, prev?: unknown): unknown {
    if (t === 'any') return v;
    if (v === null) {
      // null clears slices, maps and pointers; other kinds keep what they had.
      if (typeof t === 'object' && ('slice' in t || 'map' in t || t.ptr)) return null;
      if (t === 'strslice') return null;
      return prev;
    }
    if (t === 'string') {
      if (typeof v !== 'string') throw new GoTypeError(`${field}: cannot read a JSON ${jsonKind(v)} as a string.`);
      return v;
    }
    if (t === 'bool') {
      if (typeof v !== 'boolean') throw new GoTypeError(`${field}: cannot read a JSON ${jsonKind(v)} as a bool.`);
      return v;
    }
    if (t === 'int64') {
      if (typeof v !== 'number') throw new GoTypeError(`${field}: cannot read a JSON ${jsonKind(v)} as int64.`);
      return int64(raw, v, field);
    }
    if (t === 'strslice') {
      if (typeof v === 'string') return [v];
      return this.decode(v, { slice: 'string' }, field);
    }
    if ('slice' in t) {
      if (!Array.isArray(v)) throw new GoTypeError(`${field}: cannot read a JSON ${jsonKind(v)} as ${typeName(t)}.`);
      const raws = rawNumbersOf(v);
      // Go decodes element i into the slice's existing element i (merging structs), then cuts the length.
      const old = Array.isArray(prev) ? prev : [];
      return v.map((x, i) => this.decode(x, t.slice, `${field}[${i}]`, raws?.[i], old[i]));
    }
    if (!isObj(v)) throw new GoTypeError(`${field}: cannot read a JSON ${jsonKind(v)} as ${typeName(t)}.`);
    if ('map' in t) {
      const out: Record<string, unknown> = isObj(prev) ? { ...prev } : {};
      for (const e of entriesOf(v)) {
        const value = this.decode(e.value, t.map, `${field}.${e.key}`, e.raw, out[e.key]);
        Object.defineProperty(out, e.key, { value, enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return this.struct(v, t.struct, field, isObj(prev) ? prev : undefined);
  }

  private struct(v: Record<string, unknown>, fields: Record<string, GoType>, field: string, prev?: Record<string, unknown>): Record<string, unknown> {
    const names = Object.keys(fields);
    const folded = new Map(names.map((f) => [foldKey(f), f]));
    // Exact spelling first, then case folding (Object.hasOwn: a key "__proto__" is not a field).
    const fieldOf = (key: string) => (Object.hasOwn(fields, key) ? key : folded.get(foldKey(key)));
    const out: Record<string, unknown> = prev ? { ...prev } : {};
    const seen = new Map<string, { keys: string[]; values: unknown[] }>();
    for (const e of entriesOf(v)) {
      const f = fieldOf(e.key);
      const path = field ? `${field}.${f ?? e.key}` : (f ?? e.key);
      if (f === undefined) {
        // Unknown field: Go ignores it; kept for display and re-serialization (JSON.parse's last-wins).
        Object.defineProperty(out, e.key, { value: e.value, enumerable: true, writable: true, configurable: true });
        continue;
      }
      const s = seen.get(f) ?? { keys: [], values: [] };
      s.keys.push(e.key);
      s.values.push(e.raw ?? e.value);
      seen.set(f, s);
      const value = this.decode(e.value, fields[f], path, e.raw, out[f]);
      if (value === undefined) continue;
      Object.defineProperty(out, f, { value, enumerable: true, writable: true, configurable: true });
    }
    for (const [f, s] of seen) {
      if (s.keys.length < 2 || s.values.every((x) => sameJson(x, s.values[0]))) continue;
      const where = field ? `${field}.${f}` : f;
      const spelled = [...new Set(s.keys)].map((k) => JSON.stringify(k)).join(' and ');
      this.ambiguities.push({
        field: where,
        keys: s.keys,
        message: `"${where}" is written ${s.keys.length} times (${spelled}) with different values: Go-based engines (Docker, containerd, skopeo) read the last one, other readers may read the first.`,
      });
    }
    return out;
  }
}

// ---- The structs (image-spec specs-go v1, moby image/tarexport), fields the engine and the engines rely on. ----

const strMap: GoType = { map: 'string' };
const platform: GoType = {
  struct: { architecture: 'string', os: 'string', 'os.version': 'string', 'os.features': { slice: 'string' }, variant: 'string', features: { slice: 'string' } },
  ptr: true,
};
export const DescriptorType: GoType = {
  struct: { mediaType: 'string', digest: 'string', size: 'int64', urls: { slice: 'string' }, annotations: strMap, data: 'string', platform, artifactType: 'string' },
};
const subject: GoType = { struct: (DescriptorType as { struct: Record<string, GoType> }).struct, ptr: true };
export const ManifestType: GoType = {
  struct: { schemaVersion: 'int64', mediaType: 'string', artifactType: 'string', config: DescriptorType, layers: { slice: DescriptorType }, subject, annotations: strMap },
};
export const IndexType: GoType = {
  struct: { schemaVersion: 'int64', mediaType: 'string', artifactType: 'string', manifests: { slice: DescriptorType }, subject, annotations: strMap },
};
const containerConfig: GoType = {
  struct: {
    User: 'string', ExposedPorts: { map: 'any' }, Env: { slice: 'string' }, Entrypoint: 'strslice', Cmd: 'strslice',
    Volumes: { map: 'any' }, WorkingDir: 'string', Labels: strMap, StopSignal: 'string', ArgsEscaped: 'bool',
  },
  ptr: true,
};
export const ConfigType: GoType = {
  struct: {
    created: 'string', author: 'string', architecture: 'string', os: 'string', 'os.version': 'string', 'os.features': { slice: 'string' },
    variant: 'string', config: containerConfig,
    rootfs: { struct: { type: 'string', diff_ids: { slice: 'string' } } },
    history: { slice: { struct: { created: 'string', created_by: 'string', author: 'string', comment: 'string', empty_layer: 'bool' } } },
  },
};
/** moby image/tarexport manifestItem: one entry of a docker-archive's manifest.json. */
export const DockerEntryType: GoType = {
  struct: { Config: 'string', RepoTags: { slice: 'string' }, Layers: { slice: 'string' }, Parent: 'string', LayerSources: { map: DescriptorType } },
};

export type DocKind = 'index' | 'manifest' | 'config' | 'docker-manifest';

export function goTypeOf(kind: DocKind): GoType {
  return kind === 'index' ? IndexType : kind === 'manifest' ? ManifestType : kind === 'config' ? ConfigType : { slice: DockerEntryType };
}
