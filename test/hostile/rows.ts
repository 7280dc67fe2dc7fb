// The rows of the hostile corpus: how each input is made, which verb runs on it, and what counts as a correct
// answer. The first rows are issue 12's table; the rest are more of the same kind.

import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { createWriteStream } from 'node:fs';
import { expect } from 'vitest';
import type * as G from './gen';
import { errorCode, type RunResult } from './run';

export interface Row {
  input: string;
  /** CLI arguments; IMAGE is replaced by the generated file. */
  verb: string[];
  head?: number;
  make(tmp: string, g: typeof G): Promise<string>;
  check(r: RunResult, msg: string): void;
  describe?(r: RunResult): string;
}

const GiB = 1024 ** 3;
const made = new Map<string, Promise<string>>();
/** Each input is generated once, shared by the rows that use it. */
function once(name: string, build: (path: string, g: typeof G) => Promise<void> | void) {
  return (tmp: string, g: typeof G) => {
    const path = join(tmp, name);
    let p = made.get(path);
    if (!p) {
      p = (async () => {
        if (!existsSync(path)) await build(path, g);
        return path;
      })();
      made.set(path, p);
    }
    return p;
  };
}

const ok = (codes: number[]) => (r: RunResult, msg: string) => {
  expect(errorCode(r), msg).toBeUndefined();
  expect(codes, msg).toContain(r.code);
};
const typed = (...allowed: string[]) => (r: RunResult, msg: string) => {
  expect(r.code, msg).toBe(2);
  expect(allowed, msg).toContain(errorCode(r));
};
/** Either a correct answer (exit 0/1, no error) or one of these typed errors. */
const okOrTyped = (...allowed: string[]) => (r: RunResult, msg: string) => {
  if (r.code === 2) expect(allowed, msg).toContain(errorCode(r));
  else expect([0, 1], msg).toContain(r.code);
};

const fake = (c: string) => `sha256:${c.repeat(64)}`;

// ---- inputs ---------------------------------------------------------------------------------------------------

/** Index DAG: each level lists the next K times, depth D (K^D paths to one manifest). */
const dag = (k: number, depth: number) =>
  once(`dag-${k}-${depth}.tar`, (path, g) => {
    const layer = g.gzLayer(g.concat([g.file('hello', 'hi\n'), g.END]));
    const lb = g.blob(layer.stored);
    const { blobs, manifest } = g.image([{ digest: lb.digest, size: lb.bytes.length, mediaType: layer.mediaType, diffId: layer.diffId }]);
    let child = { digest: manifest.digest, size: manifest.bytes.length, mediaType: 'application/vnd.oci.image.manifest.v1+json' };
    const all = [...blobs, lb];
    for (let d = 0; d < depth; d++) {
      const idx = g.blob(g.indexJson(Array.from({ length: k }, () => child)));
      all.push(idx);
      child = { digest: idx.digest, size: idx.bytes.length, mediaType: 'application/vnd.oci.image.index.v1+json' };
    }
    writeFileSync(path, g.concat([...g.layoutEntries(g.indexJson([child]), all), g.END]));
  });

const GLOBALS: [string, string][] = Array.from({ length: 62_000 }, (_, i) => [`k${i}`, '1']);

const paxGlobalLayer = once('pax-global-layer.tar', (path, g) => {
  const entries = Array.from({ length: 20_000 }, (_, i) => g.header(`f${i}`, '0', 0));
  const tar = g.concat([g.pax(GLOBALS, 'g'), ...entries, g.END]);
  writeFileSync(path, g.simpleImage([g.gzLayer(tar)]));
});

const paxGlobalOuter = once('pax-global-outer.tar', (path, g) => {
  const layer = g.gzLayer(g.concat([g.file('hello', 'hi\n'), g.END]));
  const junk = Array.from({ length: 20_000 }, (_, i) => g.header(`junk/${i}`, '0', 0));
  writeFileSync(path, g.simpleImage([layer], { before: [g.pax(GLOBALS, 'g')], after: junk }));
});

/** n entries with a unique GNU long name of ~`len` bytes; gzip members are reused so building it is cheap. */
const longNames = (n: number, len: number) =>
  once(`long-names-${n}-${len}.tar`, (path, g) => {
    const run = len - 7;
    const bulk = g.gz(new Uint8Array(run).fill(0x61), 1);
    const members: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const prefix = `${String(i).padStart(6, '0')}/`;
      const name = prefix + 'a'.repeat(99 - prefix.length);
      const dataLen = prefix.length + run + 1;
      members.push(g.gz(g.concat([g.header('././@LongLink', 'L', dataLen), new TextEncoder().encode(prefix)])), bulk);
      members.push(g.gz(g.concat([new Uint8Array(1 + ((512 - (dataLen % 512)) % 512)), g.header(name, '0', 0)])));
    }
    members.push(g.gz(g.END));
    writeFileSync(path, g.simpleImage([{ stored: g.concat(members), mediaType: g.GZ, diffId: fake('1') }]));
  });

const overPathMax = once('over-path-max.tar', (path, g) => {
  const entries = Array.from({ length: 2_000 }, (_, i) => g.gnuLong(`${i}/${'b'.repeat(8192)}`));
  writeFileSync(path, g.simpleImage([g.gzLayer(g.concat([...entries, g.END]))]));
});

const deepPax = once('deep-pax.tar', (path, g) => {
  const deep = 'a/'.repeat(50_000) + 'f';
  const entries = Array.from({ length: 200 }, (_, i) => g.concat([g.pax([['path', `${deep}${i}`]]), g.header(`x${i}`, '0', 0)]));
  writeFileSync(path, g.simpleImage([g.gzLayer(g.concat([...entries, g.END]))]));
});

/** A layer whose tar is one file of `total` bytes of zeros (header + zeros + end blocks). */
function zerosTarHeader(g: typeof G, total: number): Uint8Array {
  return g.header('zeros', '0', total - 512 - 1024);
}

const zstdBomb = once('zstd-bomb.tar', (path, g) => {
  const total = 10 * GiB;
  const stored = g.zstdFrame(zerosTarHeader(g, total), total - 512);
  writeFileSync(path, g.simpleImage([{ stored, mediaType: g.ZST, diffId: fake('2') }]));
});

const gzipBomb = once('gzip-bomb.tar', (path, g) => {
  const total = 10 * GiB;
  const piece = 64 * 1024 * 1024;
  const first = g.gz(g.concat([zerosTarHeader(g, total), new Uint8Array(piece - 512)]), 1);
  const rest = g.gz(new Uint8Array(piece), 1);
  const members = [first, ...Array.from({ length: total / piece - 1 }, () => rest)];
  writeFileSync(path, g.simpleImage([{ stored: g.concat(members), mediaType: g.GZ, diffId: fake('3') }]));
});

/** An outer tar.zst: a small image whose layer blob (never read by inspect) holds `size` bytes of zeros. */
const bigOuterZst = (size: number) =>
  once(`outer-${size}.tar.zst`, (path, g) => {
    const digest = fake('4');
    const { blobs, manifest } = g.image([{ digest, size, mediaType: g.GZ, diffId: fake('5') }]);
    const idx = g.indexJson([{ digest: manifest.digest, size: manifest.bytes.length }]);
    const head = g.concat([...g.layoutEntries(idx, blobs), g.header(`blobs/sha256/${digest.slice(7)}`, '0', size)]);
    writeFileSync(path, g.zstdFrame(head, size + ((512 - (size % 512)) % 512) + 1024));
  });

/** An outer tar.gz of an image plus n empty junk files (streamed: the tar is ~n × 512 bytes). */
const manyEntries = (n: number) =>
  once(`many-${n}.tar.gz`, async (path, g) => {
    const layer = g.gzLayer(g.concat([g.file('hello', 'hi\n'), g.END]));
    const img = g.simpleImage([layer]);
    const z = createGzip({ level: 1 });
    const done = new Promise<void>((res, rej) => z.pipe(createWriteStream(path)).on('finish', res).on('error', rej));
    const write = async (b: Uint8Array) => {
      if (!z.write(b)) await new Promise<void>((r) => z.once('drain', () => r()));
    };
    await write(img.subarray(0, img.length - 1024));
    const batch: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      batch.push(g.header(`junk/${(i >> 10).toString(36)}/${i.toString(36)}`, '0', 0));
      if (batch.length === 4096) await write(g.concat(batch.splice(0)));
    }
    await write(g.concat([...batch, g.END]));
    z.end();
    await done;
  });

const bigListing = once('big-listing.tar', (path, g) => {
  const entries = Array.from({ length: 300_000 }, (_, i) => g.header(`d${i >> 10}/f${i}`, '0', 0));
  writeFileSync(path, g.simpleImage([g.gzLayer(g.concat([...entries, g.END]))]));
});

const hardlinkChain = once('hardlink-chain.tar', (path, g) => {
  const entries = [g.file('l0', 'x')];
  for (let i = 1; i < 50_000; i++) entries.push(g.header(`l${i}`, '1', 0, `l${i - 1}`));
  writeFileSync(path, g.simpleImage([g.gzLayer(g.concat([...entries, g.END]))]));
});

const symlinkLoops = once('symlink-loops.tar', (path, g) => {
  const entries = [g.header('a', '2', 0, 'b'), g.header('b', '2', 0, 'a'), g.header('self', '2', 0, 'self/x')];
  for (let i = 0; i < 10_000; i++) entries.push(g.header(`s${i}`, '2', 0, `s${i + 1}`));
  entries.push(g.header('s10000', '2', 0, 's0'), g.header('bin', '2', 0, 'bin'), g.header('bin/.wh.x', '0', 0));
  writeFileSync(path, g.simpleImage([g.gzLayer(g.concat([...entries, g.END]))]));
});

const manyLayers = (n: number) =>
  once(`layers-${n}.tar.gz`, async (path, g) => {
    const layer = g.gzLayer(g.concat([g.file('hello', 'hi\n'), g.END]));
    const lb = g.blob(layer.stored);
    const d = { digest: lb.digest, size: lb.bytes.length, mediaType: layer.mediaType, diffId: layer.diffId };
    const { blobs, manifest } = g.image(Array.from({ length: n }, () => d));
    const idx = g.indexJson([{ digest: manifest.digest, size: manifest.bytes.length }]);
    writeFileSync(path, g.gz(g.concat([...g.layoutEntries(idx, [...blobs, lb]), g.END]), 1));
  });

const hugeDigest = once('huge-digest.tar', (path, g) => {
  const layer = g.gzLayer(g.concat([g.file('hello', 'hi\n'), g.END]));
  const lb = g.blob(layer.stored);
  const { blobs, manifest } = g.image([{ digest: `sha256:${'a'.repeat(1024 * 1024)}`, size: lb.bytes.length, mediaType: layer.mediaType, diffId: layer.diffId }]);
  writeFileSync(path, g.concat([...g.layoutEntries(g.indexJson([{ digest: manifest.digest, size: manifest.bytes.length }]), [...blobs, lb]), g.END]));
});

// ---- the table -------------------------------------------------------------------------------------------------

const lineCount = (r: RunResult) => `${r.lines} lines`;
const problems = (r: RunResult) => {
  const codes = new Set([...r.stdout.matchAll(/\[([a-z-]+)\]/g)].map((m) => m[1]));
  return codes.size ? `problems: ${[...codes].slice(0, 4).join(', ')}` : 'no problems';
};
const mentions = (word: string) => (r: RunResult, msg: string) => expect(r.stdout + r.stderr, msg).toContain(word);

export const rows: Row[] = [
  {
    input: 'index DAG, K=100, depth 6 (10^12 paths to one manifest)',
    verb: ['inspect', 'IMAGE'],
    make: dag(100, 6),
    check: okOrTyped('too-large', 'corrupt'),
    describe: (r) => (/Image 1:/.test(r.stdout) ? `${(r.stdout.match(/^Image \d+:/gm) ?? []).length} image(s) listed` : ''),
  },
  {
    input: 'layer: PAX global header of 62,000 records, then 20,000 empty entries',
    verb: ['ls', 'IMAGE', '--layer', '0'],
    make: paxGlobalLayer,
    check: (r, msg) => {
      ok([0])(r, msg);
      expect(r.lines, msg).toBe(20_000);
    },
    describe: lineCount,
  },
  { input: 'the same layer', verb: ['diagnose', 'IMAGE'], make: paxGlobalLayer, check: ok([0, 1]), describe: problems },
  {
    input: 'outer archive: the same PAX global header, then 20,000 junk entries',
    verb: ['inspect', 'IMAGE'],
    make: paxGlobalOuter,
    check: (r, msg) => {
      ok([0])(r, msg);
      expect(r.stdout, msg).toContain('Image 1:');
    },
    describe: () => 'the image',
  },
  {
    input: 'layer: 6,000 entries, each a unique ~1 MB GNU long name (6 GB of names, 7 MB stored)',
    verb: ['diagnose', 'IMAGE'],
    make: longNames(6000, 1_000_000),
    check: okOrTyped('suspicious-expansion'),
    describe: problems,
  },
  {
    input: 'layer: 2,000 such names',
    verb: ['ls', 'IMAGE', '--layer', '0'],
    make: longNames(2000, 1_000_000),
    check: okOrTyped('suspicious-expansion'),
    describe: lineCount,
  },
  {
    input: 'layer: 2,000 names of 8 KiB (over PATH_MAX)',
    verb: ['diagnose', 'IMAGE'],
    make: overPathMax,
    check: (r, msg) => {
      ok([1])(r, msg);
      expect(r.stdout, msg).toContain('unsafe-path');
    },
    describe: problems,
  },
  {
    input: 'layer: 200 entries sharing a 50,000-component PAX path',
    verb: ['ls', 'IMAGE', '--merged'],
    make: deepPax,
    check: ok([0]),
    describe: lineCount,
  },
  {
    input: 'zstd layer of 10 GiB of zeros (330 KB stored)',
    verb: ['verify', 'IMAGE'],
    make: zstdBomb,
    check: mentions('suspicious-expansion'),
    describe: () => 'layer reported as `suspicious-expansion`',
  },
  {
    input: 'gzip layer of 10 GiB of zeros (10 MB stored)',
    verb: ['verify', 'IMAGE'],
    make: gzipBomb,
    check: mentions('suspicious-expansion'),
    describe: () => 'layer reported as `suspicious-expansion`',
  },
  {
    input: 'outer tar.zst holding a 2.5 GiB blob of zeros',
    verb: ['inspect', 'IMAGE'],
    make: bigOuterZst(2.5 * GiB),
    check: typed('suspicious-expansion'),
  },
  {
    input: 'the same, limits raised (`--max-expansion-ratio 1000000`)',
    verb: ['inspect', 'IMAGE', '--max-expansion-ratio', '1000000'],
    make: bigOuterZst(2.5 * GiB),
    check: (r, msg) => {
      ok([0])(r, msg);
      expect(r.stdout, msg).toContain('Image 1:');
    },
    describe: () => 'the image',
  },
  {
    input: 'outer tar.gz of 1,000,000 entries',
    verb: ['inspect', 'IMAGE'],
    make: manyEntries(1_000_000),
    check: (r, msg) => {
      ok([0])(r, msg);
      expect(r.stdout, msg).toContain('Image 1:');
    },
    describe: () => 'the image',
  },
  {
    input: 'layer of 300,000 entries, listed into a pipe that closes',
    verb: ['ls', 'IMAGE', '--layer', '0'],
    head: 5,
    make: bigListing,
    check: (r, msg) => {
      expect(r.code, msg).toBe(0);
      expect(r.stderr, msg).toBe('');
      expect(r.lines, msg).toBe(5);
    },
    describe: () => 'quiet, 5 lines',
  },
  { input: 'layer: a chain of 50,000 hard links', verb: ['ls', 'IMAGE', '--merged'], make: hardlinkChain, check: ok([0]), describe: lineCount },
  { input: 'the same layer', verb: ['diagnose', 'IMAGE'], make: hardlinkChain, check: ok([0, 1]), describe: problems },
  {
    input: 'layer: symlink loops (a↔b, self/x, a 10,001-link cycle, bin→bin with bin/.wh.x)',
    verb: ['ls', 'IMAGE', '--merged'],
    make: symlinkLoops,
    check: ok([0]),
    describe: lineCount,
  },
  { input: 'the same layer', verb: ['diagnose', 'IMAGE'], make: symlinkLoops, check: ok([0, 1]), describe: problems },
  { input: 'manifest of 100,000 layers (one blob)', verb: ['inspect', 'IMAGE'], make: manyLayers(100_000), check: okOrTyped('corrupt', 'too-large'), describe: () => 'the image' },
  { input: 'the same image', verb: ['diagnose', 'IMAGE'], make: manyLayers(100_000), check: okOrTyped('corrupt', 'too-large'), describe: problems },
  { input: 'manifest listing 10^6 layers', verb: ['inspect', 'IMAGE'], make: manyLayers(1_000_000), check: okOrTyped('corrupt', 'too-large') },
  { input: 'a 1 MB digest in a descriptor', verb: ['inspect', 'IMAGE'], make: hugeDigest, check: okOrTyped('corrupt', 'invalid-argument', 'unsupported-media-type') },
  { input: 'the same image', verb: ['verify', 'IMAGE'], make: hugeDigest, check: (r, msg) => expect(r.code, msg).not.toBe(0), describe: problems },
];
