// JSON nesting depth: JSON.parse copes with a config nested 50,000 levels deep, but structured clone (the worker's
// reply to the UI) and JSON.stringify do not. Such documents are refused at parse time as corrupt.
import { describe, expect, it } from 'vitest';
import { memoryScratch } from '../../../src/engine/env';
import { LwError } from '../../../src/engine/errors';
import { openImage } from '../../../src/engine/oci/archive';
import { MAX_JSON_DEPTH, jsonTooDeep, parseJson } from '../../../src/engine/oci/json';
import { MediaType, blobPath } from '../../../src/engine/oci/types';
import { parseDoc } from '../../../src/engine/mutate/json';
import { summarize } from '../../../workers/summary';
import { SIMPLE_LAYERS, filesToTar, makeOciLayout, sha256 } from '../../fixtures/images';

const enc = new TextEncoder();
const nested = (n: number, open = '[', close = ']') => open.repeat(n) + close.repeat(n);
const deepObject = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

function thrown(f: () => unknown): LwError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LwError);
    return e as LwError;
  }
  throw new Error('did not throw');
}

describe('JSON nesting depth', () => {
  it('parseJson refuses a document nested 50,000 levels deep with a typed error naming the blob', () => {
    for (const text of [nested(50_000), deepObject(50_000), `{"x":${nested(50_000)}}`]) {
      const e = thrown(() => parseJson(enc.encode(text), 'sha256:abc'));
      expect(e.code).toBe('corrupt');
      expect(e.message).toBe(`sha256:abc: JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
      expect(e.where.blob).toBe('sha256:abc');
    }
  });

  it('accepts exactly the limit, refuses one more', () => {
    expect(parseJson(enc.encode(nested(MAX_JSON_DEPTH)), 'x')).toBeInstanceOf(Array);
    expect(parseJson(enc.encode(deepObject(MAX_JSON_DEPTH)), 'x')).toBeTypeOf('object');
    expect(thrown(() => parseJson(enc.encode(nested(MAX_JSON_DEPTH + 1)), 'x')).code).toBe('corrupt');
    expect(thrown(() => parseJson(enc.encode(deepObject(MAX_JSON_DEPTH + 1)), 'x')).code).toBe('corrupt');
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const inString = JSON.stringify({ s: nested(10_000), t: '\\"' + '['.repeat(1000), u: '\\', v: '"[{' });
    expect(jsonTooDeep(enc.encode(inString))).toBe(false);
    expect(parseJson(enc.encode(inString), 'x')).toMatchObject({ u: '\\', v: '"[{' });
    // after a string that ends in an escaped backslash, brackets count again
    expect(jsonTooDeep(enc.encode(`["\\\\",${nested(MAX_JSON_DEPTH)}]`))).toBe(true);
    expect(jsonTooDeep(enc.encode(`["\\\\",${nested(MAX_JSON_DEPTH - 1)}]`))).toBe(false);
    // non-ASCII content does not confuse the byte scan
    expect(jsonTooDeep(enc.encode(JSON.stringify({ 'ü[': 'ß{"', e: '😀]' })))).toBe(false);
  });

  it('parseDoc (the rewrite path) refuses it the same way', () => {
    const e = thrown(() => parseDoc(enc.encode(`{"x":${nested(50_000)}}`), 'sha256:def'));
    expect(e.code).toBe('corrupt');
    expect(e.message).toBe(`sha256:def: JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  });

  it('scans a 16 MiB document quickly', () => {
    const big = enc.encode(JSON.stringify({ a: Array.from({ length: 200_000 }, (_, i) => ({ k: `v${i}\\"[`.repeat(10) })) }));
    expect(big.length).toBeGreaterThan(10 * 1024 * 1024);
    const t = performance.now();
    expect(jsonTooDeep(big)).toBe(false);
    expect(performance.now() - t).toBeLessThan(1000);
  });

  it('an image whose config nests 50,000 levels deep does not open into something the UI cannot receive', async () => {
    const built = await makeOciLayout([{ layers: SIMPLE_LAYERS, tag: 'latest' }]);
    const files = built.files;
    const img = built.images[0];
    const cfg = enc.encode(JSON.stringify(img.config).replace(/^\{/, `{"x-deep":${nested(50_000)},`));
    const cfgDigest = sha256(cfg);
    files.set(blobPath(cfgDigest), cfg);
    const manifest = enc.encode(JSON.stringify({ ...img.manifest, config: { mediaType: MediaType.OciConfig, digest: cfgDigest, size: cfg.length } }));
    const mDigest = sha256(manifest);
    files.set(blobPath(mDigest), manifest);
    files.set('index.json', enc.encode(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [{ mediaType: MediaType.OciManifest, digest: mDigest, size: manifest.length }] })));
    let opened: Awaited<ReturnType<typeof openImage>> | undefined;
    try {
      opened = await openImage(filesToTar(files), { scratch: memoryScratch() });
    } catch (e) {
      expect(e).toBeInstanceOf(LwError);
      expect((e as LwError).message).toContain(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
      return;
    }
    // opened with the image skipped: the reason says why, and what the worker sends the UI is cloneable
    expect(opened.images).toHaveLength(0);
    expect(opened.skipped[0]?.reason).toContain(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    expect(() => structuredClone(summarize(opened!, 'deep.tar'))).not.toThrow();
  });
});
