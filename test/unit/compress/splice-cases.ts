// The splicing property test's cases (issue 11): a source gzip made by one of several real encoders — GNU gzip
// -1/-6/-9, Python's zlib (plain, and with Z_SYNC_FLUSH / Z_FULL_FLUSH at random points), Node's zlib, fflate,
// our own chunked encoder, Go's compress/gzip (every level and HuffmanOnly, plain and with Flush) — over the gzip property test's inputs (real tar slices, zeros, random bytes, mixes),
// then random edits (drops, inserts, at the start, at the end, adjacent, close together, inside stored blocks).
// The spliced output must decode with Node's zlib to exactly the edited bytes (gunzip checks CRC-32 and ISIZE),
// pass `gzip -t` (sampled), and be the same bytes for other push sizes.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { gzipSync } from 'fflate';
import { openSplice, type SpliceStats } from '../../../src/engine/compress/splice';
import { gzipStream } from '../../../src/engine/compress/gzip';
import { chunked, readAll } from './helpers';
import { makeCase, rng } from './property';

export type Encoder = 'gzip' | 'python' | 'python-sync' | 'python-full' | 'node' | 'fflate' | 'ours' | 'go' | 'go-flush';
const ENCODERS: Encoder[] = ['gzip', 'python', 'python-sync', 'python-full', 'node', 'fflate', 'ours', 'go', 'go-flush'];

export interface Edit {
  /** Source bytes [a, b) are replaced by `insert`. */
  a: number;
  b: number;
  insert: Uint8Array;
}

export interface SpliceCase {
  seed: number;
  what: string;
  old: Uint8Array;
  encoder: Encoder;
  level: number;
  flushes: number[];
  edits: Edit[];
  chunkSize: number;
  pushes: number[];
}

export function makeSpliceCase(seed: number): SpliceCase {
  const base = makeCase(seed);
  const r = rng(seed * 7919 + 13);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const old = base.data;
  const encoder = ENCODERS[int(0, ENCODERS.length - 1)];
  // Go also has HuffmanOnly (-2), written here as 10.
  const level = encoder === 'gzip' ? [1, 6, 9][int(0, 2)] : encoder.startsWith('go') ? int(0, 10) : int(0, 9);
  const flushes = encoder.startsWith('python-') || encoder === 'go-flush' ? Array.from({ length: int(1, 12) }, () => int(0, old.length)).sort((x, y) => x - y) : [];
  // Edit points: sorted, non-overlapping; some at 0 or at the end, some adjacent, some within 32 KiB of another.
  const edits: Edit[] = [];
  const n = int(0, 5);
  const points = Array.from({ length: 2 * n }, () => {
    const x = r();
    return x < 0.1 ? 0 : x < 0.2 ? old.length : int(0, old.length);
  }).sort((x, y) => x - y);
  for (let i = 0; i < n; i++) {
    let a = points[2 * i];
    let b = points[2 * i + 1];
    if (r() < 0.5) b = Math.min(old.length, a + int(0, 3000)); // small drops (a tar entry or two)
    if (r() < 0.3 && a % 512) {
      a -= a % 512;
      b = Math.min(old.length, Math.max(a, b - (b % 512)));
    }
    if (edits.length) a = Math.max(a, edits[edits.length - 1].b);
    b = Math.max(a, b);
    const k = r();
    const len = k < 0.4 ? 0 : k < 0.8 ? int(1, 4000) : int(4000, 60_000);
    const insert = new Uint8Array(len);
    if (r() < 0.5) for (let j = 0; j < len; j++) insert[j] = (r() * 256) | 0;
    else if (old.length) for (let j = 0; j < len; j++) insert[j] = old[(a + j * 7) % old.length];
    edits.push({ a, b, insert });
  }
  const chunkSize = [32_768, 40_000, 65_536, 1 << 20][int(0, 3)];
  const pushes = Array.from({ length: int(1, 4) }, () => (r() < 0.3 ? int(1, 700) : int(1, 200_000)));
  const what = `seed ${seed}: ${base.kind}, ${old.length} B by ${encoder} -${level}${flushes.length ? ` (${flushes.length} flushes)` : ''}, edits ${edits.map((e) => `[${e.a},${e.b})+${e.insert.length}`).join(' ')}, chunk ${chunkSize}`;
  return { seed, what, old, encoder, level, flushes, edits, chunkSize, pushes };
}

const PY = `
import sys, zlib, struct
inp = sys.stdin.buffer
out = sys.stdout.buffer
while True:
    h = inp.read(12)
    if len(h) < 12: break
    n, level, mode, k = struct.unpack('<IBBHxxxx', h)
    flushes = struct.unpack('<%dI' % k, inp.read(4 * k)) if k else ()
    data = inp.read(n)
    c = zlib.compressobj(level, zlib.DEFLATED, 31)
    parts = []
    at = 0
    for f in flushes:
        parts.append(c.compress(data[at:f]))
        parts.append(c.flush(zlib.Z_SYNC_FLUSH if mode == 1 else zlib.Z_FULL_FLUSH))
        at = f
    parts.append(c.compress(data[at:]))
    parts.append(c.flush())
    g = b''.join(parts)
    out.write(struct.pack('<I', len(g)))
    out.write(g)
out.flush()
`;

const GO = `package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"os"
)

func main() {
	in := bufio.NewReader(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	h := make([]byte, 12)
	for {
		if _, err := io.ReadFull(in, h); err != nil {
			return
		}
		n := binary.LittleEndian.Uint32(h)
		level := int(h[4])
		if level == 10 {
			level = gzip.HuffmanOnly
		}
		k := int(binary.LittleEndian.Uint16(h[6:]))
		fl := make([]byte, 4*k)
		io.ReadFull(in, fl)
		data := make([]byte, n)
		io.ReadFull(in, data)
		var buf bytes.Buffer
		w, err := gzip.NewWriterLevel(&buf, level)
		if err != nil {
			panic(err)
		}
		at := uint32(0)
		for i := 0; i < k; i++ {
			f := binary.LittleEndian.Uint32(fl[4*i:])
			w.Write(data[at:f])
			w.Flush()
			at = f
		}
		w.Write(data[at:])
		w.Close()
		binary.Write(out, binary.LittleEndian, uint32(buf.Len()))
		out.Write(buf.Bytes())
	}
}
`;

let goBinary: string | undefined;
/** Builds the Go encoder once (standard library only, offline). */
function goEncoder(): string {
  if (goBinary) return goBinary;
  const dir = mkdtempSync(join(tmpdir(), 'lw-splice-go-'));
  writeFileSync(join(dir, 'main.go'), GO);
  const env = { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '', GO111MODULE: 'off', GOPROXY: 'off', CGO_ENABLED: '0' };
  const r = spawnSync('go', ['build', '-o', join(dir, 'enc'), join(dir, 'main.go')], { env, timeout: 300_000 });
  if (r.status !== 0) throw new Error(`go build failed (Go is required for the splicing property test): ${r.stderr}`);
  goBinary = join(dir, 'enc');
  return goBinary;
}

/** One process encodes a batch: records of (size, level, mode, flush points, data) in, (size, gzip) out. */
function batch(cmd: string, args: string[], cases: SpliceCase[]): Uint8Array[] {
  const parts: Buffer[] = [];
  for (const c of cases) {
    const h = Buffer.alloc(12 + 4 * c.flushes.length);
    h.writeUInt32LE(c.old.length, 0);
    h[4] = c.level;
    h[5] = c.encoder === 'python-full' ? 2 : 1;
    h.writeUInt16LE(c.flushes.length, 6);
    c.flushes.forEach((f, j) => h.writeUInt32LE(f, 12 + 4 * j));
    parts.push(h, Buffer.from(c.old));
  }
  const r = spawnSync(cmd, args, { input: Buffer.concat(parts), maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  const b = r.stdout as Buffer;
  const out: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; i < cases.length; i++) {
    const n = b.readUInt32LE(at);
    out.push(b.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  return out;
}

/** Makes the source gzip of every case; Python's and Go's are made by one process each for all of them. */
export async function sources(cases: SpliceCase[]): Promise<Uint8Array[]> {
  const out: Uint8Array[] = new Array(cases.length);
  const py: number[] = [];
  const go: number[] = [];
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    if (c.encoder === 'gzip') {
      const g = spawnSync('gzip', ['-c', `-${c.level}`, '-n'], { input: c.old, maxBuffer: 1 << 26 });
      if (g.status !== 0) throw new Error(`gzip failed: ${g.stderr}`);
      out[i] = g.stdout;
    } else if (c.encoder === 'node') out[i] = zlib.gzipSync(c.old, { level: c.level });
    else if (c.encoder === 'fflate') out[i] = gzipSync(c.old, { level: c.level as 6 });
    else if (c.encoder === 'ours') out[i] = await readAll(chunked(c.old, [65_536]).pipeThrough(gzipStream({ level: c.level, chunkSize: 32_768 + (c.seed % 5) * 10_000 })));
    else if (c.encoder.startsWith('go')) go.push(i);
    else py.push(i);
  }
  if (py.length) batch('python3', ['-c', PY], py.map((i) => cases[i])).forEach((g, j) => (out[py[j]] = g));
  if (go.length) batch(goEncoder(), [], go.map((i) => cases[i])).forEach((g, j) => (out[go[j]] = g));
  return out;
}

/** The edited bytes, and the unchanged runs as (new offset, old offset, length). */
export function applyEdits(old: Uint8Array, edits: Edit[]): { data: Buffer; same: [number, number, number][] } {
  const parts: Uint8Array[] = [];
  const same: [number, number, number][] = [];
  let o = 0;
  let n = 0;
  for (const e of [...edits, { a: old.length, b: old.length, insert: new Uint8Array(0) }]) {
    if (e.a > o) {
      same.push([n, o, e.a - o]);
      parts.push(old.subarray(o, e.a));
      n += e.a - o;
    }
    parts.push(e.insert);
    n += e.insert.length;
    o = e.b;
  }
  return { data: Buffer.concat(parts), same };
}

export async function splice(source: Uint8Array, old: Uint8Array, c: SpliceCase, pushes = c.pushes): Promise<{ gz: Buffer; data: Buffer; stats: SpliceStats }> {
  const { data, same } = applyEdits(old, c.edits);
  const s = await openSplice(new Blob([source as Uint8Array<ArrayBuffer>]), { level: 6, chunkSize: c.chunkSize });
  if (!s) throw new Error('not a gzip source');
  for (const [n, o, len] of same) s.same(n, o, len);
  const gz = await readAll(chunked(data, pushes).pipeThrough(s.stream));
  return { gz, data, stats: s.stats() };
}

export interface Totals {
  failures: string[];
  copied: number;
  deflated: number;
  cases: number;
}

/** Runs cases [from, to). */
export async function runSpliceCases(from: number, to: number): Promise<Totals> {
  const cases: SpliceCase[] = [];
  for (let seed = from; seed < to; seed++) cases.push(makeSpliceCase(seed));
  const srcs = await sources(cases);
  const t: Totals = { failures: [], copied: 0, deflated: 0, cases: cases.length };
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    try {
      const { gz, data, stats } = await splice(srcs[i], c.old, c);
      t.copied += stats.copied;
      t.deflated += stats.deflated;
      const back = zlib.gunzipSync(gz);
      if (!back.equals(data)) {
        t.failures.push(`${c.what}: decodes to different bytes`);
        continue;
      }
      if (c.seed % 16 === 0) {
        const g = spawnSync('gzip', ['-t'], { input: gz });
        if (g.status !== 0) t.failures.push(`${c.what}: gzip -t says ${g.stderr}`);
      }
      if (c.seed % 8 === 1 && !(await splice(srcs[i], c.old, c, [data.length || 1])).gz.equals(gz))
        t.failures.push(`${c.what}: other push sizes give other bytes`);
    } catch (e) {
      t.failures.push(`${c.what}: ${(e as Error).stack}`);
    }
  }
  return t;
}
