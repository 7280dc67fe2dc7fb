import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sha512, digestAlgorithm, digestBlob, digestBytes, digestStream, hashingStream } from '../../../src/engine/digest';

// FIPS 180-4 examples (NIST CSRC "SHA512.pdf" / the SHAVS short messages).
const NIST: [string, Uint8Array][] = [
  ['cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e', new Uint8Array(0)],
  ['ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f', new TextEncoder().encode('abc')],
  ['204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445', new TextEncoder().encode('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')],
  ['8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909', new TextEncoder().encode('abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu')],
  ['e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b', new Uint8Array(1_000_000).fill(0x61)],
];

// A seeded generator, so a failure reproduces.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('Sha512', () => {
  it('matches the NIST vectors, whole and byte by byte', () => {
    for (const [want, msg] of NIST) {
      expect(new Sha512().update(msg).hex()).toBe(want);
      if (msg.length < 200) {
        const h = new Sha512();
        for (let i = 0; i < msg.length; i++) h.update(msg.subarray(i, i + 1));
        expect(h.hex()).toBe(want);
      }
    }
  });

  it('agrees with node:crypto at every length around the block and padding edges, in random chunks', () => {
    const rand = rng(512);
    const data = new Uint8Array(1200);
    for (let i = 0; i < data.length; i++) data[i] = (rand() * 256) | 0;
    for (let len = 0; len <= 1200; len += len < 300 ? 1 : 37) {
      const msg = data.subarray(0, len);
      const h = new Sha512();
      for (let p = 0; p < len; ) {
        const n = Math.min(len - p, 1 + ((rand() * 200) | 0));
        h.update(msg.subarray(p, p + n));
        p += n;
      }
      expect(h.hex(), `length ${len}`).toBe(createHash('sha512').update(msg).digest('hex'));
    }
  });

  it('digest() is repeatable and ends update()', () => {
    const h = new Sha512().update(new Uint8Array([1, 2, 3]));
    expect(h.hex()).toBe(h.hex());
    expect(() => h.update(new Uint8Array(1))).toThrow();
  });

  it('one-shot, streamed and pass-through paths all give the OCI form', async () => {
    const rand = rng(7);
    const data = new Uint8Array(300_001);
    for (let i = 0; i < data.length; i++) data[i] = (rand() * 256) | 0;
    const want = 'sha512:' + createHash('sha512').update(data).digest('hex');
    expect(await digestBytes(data, 'sha512')).toBe(want);
    const blob = new Blob([data]);
    expect(await digestBlob(blob, { algorithm: 'sha512' })).toBe(want);
    expect(await digestBlob(blob, { algorithm: 'sha512', oneShotLimit: 10 })).toBe(want);
    expect((await digestStream(blob.stream(), { algorithm: 'sha512' })).digest).toBe(want);
    const hs = hashingStream('sha512');
    await blob.stream().pipeThrough(hs.stream).pipeTo(new WritableStream());
    expect(hs.result()).toEqual({ digest: want, size: data.length });
  });

  it('digestAlgorithm accepts only the registered encodings', () => {
    expect(digestAlgorithm('sha256:' + 'a'.repeat(64))).toBe('sha256');
    expect(digestAlgorithm('sha512:' + 'a'.repeat(128))).toBe('sha512');
    expect(digestAlgorithm('sha512:' + 'a'.repeat(64))).toBeUndefined();
    expect(digestAlgorithm('sha256:' + 'A'.repeat(64))).toBeUndefined();
    expect(digestAlgorithm('md5:' + 'a'.repeat(32))).toBeUndefined();
  });
});
