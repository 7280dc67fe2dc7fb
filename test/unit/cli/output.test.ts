// The CLI's one stdout writer: streamed JSON is the same text as JSON.stringify(v, null, 2); a closed pipe
// ends output quietly; big text goes out in bounded pieces.
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { jsonPieces, streamWriter } from '../../../src/cli/output';

/** Seeded values of every JSON shape (the seed is in the failure message). */
function randomValue(seed: number, depth = 0): unknown {
  let x = seed >>> 0 || 1;
  const r = () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), (x >>> 0) / 2 ** 32);
  const make = (d: number): unknown => {
    const k = Math.floor(r() * (d > 4 ? 5 : 8));
    switch (k) {
      case 0: return null;
      case 1: return r() < 0.5;
      case 2: return Math.floor(r() * 1e6) - 5e5;
      case 3: return 'str\n"\\é' + Math.floor(r() * 100);
      case 4: return undefined;
      case 5: return Array.from({ length: Math.floor(r() * 4) }, () => make(d + 1));
      default: {
        const o: Record<string, unknown> = {};
        for (let i = 0; i < Math.floor(r() * 4); i++) o[`k${i}${r() < 0.2 ? '"' : ''}`] = make(d + 1);
        return o;
      }
    }
  };
  return make(depth);
}

describe('CLI output', () => {
  it('jsonPieces equals JSON.stringify(v, null, 2) for 500 seeded values', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const v = { rows: [randomValue(seed), randomValue(seed * 7)], n: seed, nested: { a: [randomValue(seed * 13)] } };
      expect([...jsonPieces(v)].join(''), `seed ${seed}`).toBe(JSON.stringify(v, null, 2));
      const top = randomValue(seed * 31);
      if (top !== undefined) expect([...jsonPieces(top)].join(''), `seed ${seed} (top)`).toBe(JSON.stringify(top, null, 2));
    }
    expect([...jsonPieces([])].join('')).toBe('[]');
    expect([...jsonPieces({ a: [] , b: {} })].join('')).toBe(JSON.stringify({ a: [], b: {} }, null, 2));
  });

  it('writes in pieces of at most 64 KiB', async () => {
    const sizes: number[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        sizes.push(chunk.length);
        cb();
      },
    });
    const w = streamWriter(sink);
    w.write('x'.repeat(1_000_000));
    for (let i = 0; i < 10_000; i++) w.write('line\n');
    await w.drain();
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(1_050_000);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(64 * 1024);
  });

  it('EPIPE from the reader closes the writer and calls onClosed once; later writes are dropped', async () => {
    const s = new PassThrough();
    let closedCalls = 0;
    const w = streamWriter(s, () => closedCalls++);
    w.write('a\n');
    s.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    s.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(w.closed).toBe(true);
    expect(closedCalls).toBe(1);
    w.write('b'.repeat(100_000));
    await w.drain();
  });
});
