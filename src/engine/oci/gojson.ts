// JSON read the way Docker, containerd, skopeo and umoci read it: Go's encoding/json decoding into structs.
// JSON.parse differs in ways an attacker can use to show one image to layerwright and another to the engines
// (issue 14): Go matches object keys to struct fields case-insensitively (exact spelling first), the last key
// wins, a struct-typed field decoded twice is merged, numbers into int64 must be plain integers (`200e0`, `1.0`
// and out-of-range values are errors), a leading BOM is an error, and lone UTF-16 surrogates in \u escapes
// become U+FFFD. So we parse the text ourselves, keeping every key of every object in order (a hidden list
// beside the plain object), and let `goDecode` apply a struct schema to it. Unknown fields are kept as found.

/** A key/value pair as written, in document order; `raw` is a number's source text. */
export interface JsonEntry {
  key: string;
  value: unknown;
  raw?: string;
}

/** Hidden beside each parsed object (a symbol key: JSON.stringify and structured clone skip it). */
export const ENTRIES: unique symbol = Symbol('json entries');
const RAW: unique symbol = Symbol('json raw numbers');

export class JsonSyntaxError extends Error {}

/** Parses JSON text as Go's decoder accepts it. Objects get a hidden ENTRIES list; duplicate keys: last wins. */
export function parseGoJson(text: string): unknown {
  let i = 0;
  const n = text.length;
  const fail = (what: string): never => {
    throw new JsonSyntaxError(`${what} at offset ${i}`);
  };
  const ws = () => {
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    }
  };
  const str = (): string => {
    i++; // opening quote
    let out = '';
    let start = i;
    for (;;) {
      if (i >= n) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) fail('control character in string');
      if (c >= 0xd800 && c <= 0xdfff) {
        // Cannot happen for text decoded from UTF-8; kept for callers passing JS strings.
        i++;
        continue;
      }
      if (c !== 0x5c) {
        i++;
        continue;
      }
      out += text.slice(start, i);
      const e = text[i + 1];
      i += 2;
      const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (e in simple) out += simple[e];
      else if (e === 'u') {
        const hex = (at: number) => {
          const h = text.slice(at, at + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(h)) fail('bad \\u escape');
          return parseInt(h, 16);
        };
        const u = hex(i);
        i += 4;
        if (u >= 0xd800 && u < 0xdc00 && text[i] === '\\' && text[i + 1] === 'u' && /^[dD][c-fC-F]/.test(text.slice(i + 2, i + 4))) {
          out += String.fromCharCode(u, hex(i + 2));
          i += 6;
        } else if (u >= 0xd800 && u <= 0xdfff) out += '\ufffd'; // Go: a lone surrogate decodes as U+FFFD
        else out += String.fromCharCode(u);
      } else fail('bad escape');
      start = i;
    }
    out += text.slice(start, i);
    i++;
    return out;
  };
  const NUM = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
  let depth = 0;
  let repeated = false;
  const value = (): { v: unknown; raw?: string } => {
    ws();
    const c = text[i];
    if (c === '{') {
      if (++depth > 10000) fail('nesting too deep');
      i++;
      const obj: Record<string, unknown> = {};
      const entries: JsonEntry[] = [];
      ws();
      if (text[i] === '}') i++;
      else
        for (;;) {
          ws();
          if (text[i] !== '"') fail('expected a key');
          const key = str();
          ws();
          if (text[i] !== ':') fail('expected ":"');
          i++;
          const { v, raw } = value();
          entries.push(raw === undefined ? { key, value: v } : { key, value: v, raw });
          // defineProperty: a key named "__proto__" stays data, as with JSON.parse.
          Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
          ws();
          if (text[i] === ',') i++;
          else if (text[i] === '}') {
            i++;
            break;
          } else fail('expected "," or "}"');
        }
      Object.defineProperty(obj, ENTRIES, { value: entries, enumerable: false });
      // Only a key written twice (under Go's folding) can make a document ambiguous: noted once per document so
      // the ambiguity check (ops/ambiguity.ts) decodes only documents that have one.
      if (!repeated && entries.length > 1) {
        const seen = new Set<string>();
        for (const e of entries) {
          const k = foldKey(e.key);
          if (seen.has(k)) {
            repeated = true;
            break;
          }
          seen.add(k);
        }
      }
      depth--;
      return { v: obj };
    }
    if (c === '[') {
      if (++depth > 10000) fail('nesting too deep');
      i++;
      const arr: unknown[] = [];
      const raws: (string | undefined)[] = [];
      ws();
      if (text[i] === ']') i++;
      else
        for (;;) {
          const { v, raw } = value();
          arr.push(v);
          raws.push(raw);
          ws();
          if (text[i] === ',') i++;
          else if (text[i] === ']') {
            i++;
            break;
          } else fail('expected "," or "]"');
        }
      if (raws.some((r) => r !== undefined)) Object.defineProperty(arr, RAW, { value: raws, enumerable: false });
      depth--;
      return { v: arr };
    }
    if (c === '"') return { v: str() };
    if (text.startsWith('true', i)) return (i += 4), { v: true };
    if (text.startsWith('false', i)) return (i += 5), { v: false };
    if (text.startsWith('null', i)) return (i += 4), { v: null };
    NUM.lastIndex = i;
    const m = NUM.exec(text);
    if (!m) return fail(i >= n ? 'unexpected end of JSON input' : `invalid character ${JSON.stringify(text[i])}`);
    i += m[0].length;
    return { v: Number(m[0]), raw: m[0] };
  };
  ws();
  const { v } = value();
  ws();
  if (i < n) fail(`invalid character ${JSON.stringify(text[i])} after top-level value`);
  if (repeated && typeof v === 'object' && v !== null) REPEATED.add(v);
  return v;
}

const REPEATED = new WeakSet<object>();

/** True when some object of the document (parsed by parseGoJson) has a key twice under Go's folding. */
export function hasRepeatedKeys(doc: unknown): boolean {
  return typeof doc === 'object' && doc !== null && REPEATED.has(doc);
}

/** The entries of a parsed object in document order (plain objects not from parseGoJson: their own keys). */
export function entriesOf(obj: object): JsonEntry[] {
  const e = (obj as { [ENTRIES]?: JsonEntry[] })[ENTRIES];
  return e ?? Object.entries(obj).map(([key, value]) => ({ key, value }));
}

/** Source text of the numbers in an array parsed by parseGoJson, by position. */
export function rawNumbersOf(arr: unknown[]): (string | undefined)[] | undefined {
  return (arr as { [RAW]?: (string | undefined)[] })[RAW];
}

/**
 * Go's key folding for matching a JSON key to an ASCII struct field name: ASCII case-insensitive, plus the two
 * non-ASCII letters whose simple case folding is ASCII — U+017F (ſ) ~ s and U+212A (Kelvin sign) ~ k.
 */
export function foldKey(key: string): string {
  if (/^[\x00-\x7f]*$/.test(key)) return key.toLowerCase();
  return key.replace(/\u017f/g, 's').replace(/\u212a/g, 'k').toLowerCase().replace(/[^\x00-\x7f]/g, '\ufffd');
}
