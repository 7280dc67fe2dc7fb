import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sha256 } from '../../../src/engine/digest';
import { Rng } from '../../fuzz/lib/prng';

// Seeded: a failure reproduces on the next run.
const rng = new Rng(256);
const random = () => rng.next();

const enc = (s: string) => new TextEncoder().encode(s);
const ref = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

// FIPS 180-4 example vectors (NIST CSRC "SHA256.pdf", "SHA2_Additional.pdf")
const NIST: [string, string][] = [
  ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  [
    'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  ],
  [
    'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu',
    'cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1',
  ],
];

describe('Sha256', () => {
  it('matches the NIST vectors', () => {
    for (const [msg, hex] of NIST) expect(new Sha256().update(enc(msg)).hex()).toBe(hex);
  });

  it('hashes one million "a" (fed in odd pieces)', () => {
    const h = new Sha256();
    const piece = enc('a'.repeat(997));
    let left = 1_000_000;
    while (left > 0) {
      const n = Math.min(left, piece.length);
      h.update(piece.subarray(0, n));
      left -= n;
    }
    expect(h.hex()).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  });

  it('agrees with node:crypto at every length 0..200 and any chunking', () => {
    const data = randomBytes(200);
    for (let len = 0; len <= 200; len++) {
      const msg = data.subarray(0, len);
      const want = ref(msg);
      expect(new Sha256().update(msg).hex()).toBe(want);
      // random split points, including empty pieces
      for (let trial = 0; trial < 4; trial++) {
        const h = new Sha256();
        let pos = 0;
        while (pos < len) {
          const n = Math.floor(random() * Math.min(len - pos + 1, 80));
          h.update(msg.subarray(pos, pos + n));
          pos += n;
        }
        expect(h.hex()).toBe(want);
      }
    }
  });

  it('processes full blocks from unaligned offsets of a shared buffer', () => {
    const big = randomBytes(5000);
    for (const off of [1, 3, 63, 64, 65]) {
      const view = new Uint8Array(big.buffer, big.byteOffset + off, 4000);
      expect(new Sha256().update(view).hex()).toBe(ref(view));
    }
  });

  it('agrees with WebCrypto on 10 MB of random data in 64 KiB..1 MiB chunks', async () => {
    const data = randomBytes(10 * 1024 * 1024);
    const want = Buffer.from(await crypto.subtle.digest('SHA-256', data)).toString('hex');
    const h = new Sha256();
    for (let pos = 0; pos < data.length; ) {
      const n = 65536 + Math.floor(random() * 1_000_000);
      h.update(data.subarray(pos, pos + n));
      pos += n;
    }
    expect(h.hex()).toBe(want);
  });

  it('digest() is repeatable and update() after it is refused', () => {
    const h = new Sha256().update(enc('abc'));
    const a = h.digest();
    expect(Buffer.from(h.digest()).toString('hex')).toBe(Buffer.from(a).toString('hex'));
    a[0] ^= 1; // the returned array is a copy
    expect(h.hex()).toBe(NIST[1][1]);
    expect(() => h.update(enc('x'))).toThrow(/after digest/);
  });

  it('speed (logged, not asserted)', () => {
    const chunk = randomBytes(64 * 1024);
    new Sha256().update(randomBytes(1 << 20)).digest(); // warm up the optimizer
    const mb = 128;
    const cpu0 = process.cpuUsage();
    const t = performance.now();
    const h = new Sha256();
    for (let i = 0; i < mb * 16; i++) h.update(chunk);
    h.digest();
    const wall = (performance.now() - t) / 1000;
    const c = process.cpuUsage(cpu0);
    const cpu = (c.user + c.system) / 1e6;
    console.log(`[bench] Sha256 incremental, 64 KiB chunks: ${(mb / cpu).toFixed(0)} MB/cpu-s, ${(mb / wall).toFixed(0)} MB/s wall`);
  });
});
