// `npx tsx test/bench/encode-node.ts`: what the layer encoder costs under Node on a ~300 MB real tar (/usr),
// and what its decode guard adds. Not part of CI; prints a Markdown table for RESULTS.md.
//
// Rows: the encode pipeline (diff_id hash, chunked gzip, stored-digest hash) with and without the decode guard
// (native DecompressionStream + SHA-256 of what comes out), in this thread or a worker_threads pool, at level 6
// and 1; best of BENCH_REPEAT (default 2). CPU seconds are the whole process's (worker and zlib threads too).
// Env: BENCH_MB (default 300), BENCH_ROWS (see below).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openAsBlob, readFileSync, statSync, writeFileSync } from 'node:fs';
import { ENCODER_SECTION, replaceSection } from './lib/sections';
import { join } from 'node:path';
import { decodeGuard } from '../../src/engine/compress/guard';
import { gzipStream, type Deflater } from '../../src/engine/compress/gzip';
import { hashingStream } from '../../src/engine/digest/index';
import { nodeDeflater } from '../../src/platform/node';
import { availableParallelism, loadavg } from 'node:os';

const ROOT = join(import.meta.dirname, '../..');
const MB = Number(process.env.BENCH_MB ?? 300);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 2);

export function usrTar(mb: number): string {
  const dir = join(ROOT, '.tmp/bench');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `usr-${mb}m.tar`);
  if (!existsSync(path) || statSync(path).size < mb * 1e6 * 0.9)
    spawnSync('sh', ['-c', `tar -cf - --sort=name -C /usr . 2>/dev/null | head -c ${mb * 1_000_000} > ${path}`]);
  return path;
}

export interface Timing {
  wall: number;
  cpu: number;
  out: number;
}

export async function timeEncode(path: string, opts: { guard: boolean; level: number; deflater?: Deflater }): Promise<Timing> {
  const blob = await openAsBlob(path);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  // As encodeLayer does it: with the guard, the diff_id is the hash of the decoded bytes; without, a hash pass.
  const diff = opts.guard ? undefined : hashingStream();
  const stored = hashingStream();
  let s = blob.stream() as ReadableStream<Uint8Array>;
  if (diff) s = s.pipeThrough(diff.stream);
  s = s.pipeThrough(gzipStream({ level: opts.level, deflater: opts.deflater }));
  const guard = opts.guard ? decodeGuard() : undefined;
  if (guard) s = s.pipeThrough(guard.tap);
  let out = 0;
  await s.pipeThrough(stored.stream).pipeTo(new WritableStream({ write: (c) => void (out += c.length) }));
  if (guard && guard.result(blob.size).size !== blob.size) throw new Error('guard: wrong size');
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6, out };
}

/** The guard alone: a gzip of the same tar (made by `gzip -6`) through the decode guard's tap, checked. */
export async function timeGuardOnly(path: string): Promise<Timing> {
  const gz = `${path}.gz`;
  if (!existsSync(gz)) spawnSync('sh', ['-c', `gzip -6 -n -c ${path} > ${gz}`]);
  const { sha256Blob } = await import('./lib/sha');
  const want = await sha256Blob(path);
  const blob = await openAsBlob(gz);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const guard = decodeGuard();
  await (blob.stream() as ReadableStream<Uint8Array>).pipeThrough(guard.tap).pipeTo(new WritableStream());
  if (guard.result(want.size).diffId !== want.digest) throw new Error('guard: decoded bytes differ');
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6, out: blob.size };
}

export async function best(f: () => Promise<Timing>): Promise<Timing> {
  let b: Timing | undefined;
  for (let i = 0; i < REPEAT; i++) {
    const t = await f();
    if (!b || t.wall < b.wall) b = t;
  }
  return b!;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = usrTar(MB);
  const size = statSync(path).size;
  // BENCH_ROWS: comma list of name=level/workers/guard, e.g. "inline=6/0/1,pool2=6/2/1" (workers 0 = inline);
  // "guardonly" times the guard alone on a `gzip -6` of the same tar.
  const rows = (process.env.BENCH_ROWS ?? 'guardonly,noguard=6/0/0,guard=6/0/1,pool1=6/1/1,pool2=6/2/1,pool4=6/4/1,level1=1/2/1').split(',');
  const load0 = loadavg()[0];
  const lines = ['| encode (level, deflate workers, guard) | wall | CPU (all threads) | input MB/s (wall) | out ÷ in |', '|---|---|---|---|---|'];
  const print = (l: string) => (console.log(l), lines.push(l));
  console.log(lines.join('\n'));
  lines.length = 2;
  for (const r of rows) {
    const [name, spec] = r.split('=');
    if (name === 'guardonly') {
      const t = await best(() => timeGuardOnly(path));
      print(`| the guard alone: native inflate + SHA-256 of the ${(size / 1e6).toFixed(0)} MB it gives back | ${t.wall.toFixed(1)} s | ${t.cpu.toFixed(1)} s | ${(size / 1e6 / t.wall).toFixed(1)} | — |`);
      continue;
    }
    const [level, workers, guard] = spec.split('/').map(Number);
    const pool = workers ? nodeDeflater(workers) : undefined;
    const t = await best(() => timeEncode(path, { guard: !!guard, level, deflater: pool }));
    pool?.close();
    const what = `level ${level}, ${workers ? `${workers} worker thread(s)` : 'this thread'}, guard ${guard ? 'on' : 'off'}`;
    print(`| ${what} | ${t.wall.toFixed(1)} s | ${t.cpu.toFixed(1)} s | ${(size / 1e6 / t.wall).toFixed(1)} | ${(t.out / size).toFixed(4)} |`);
  }
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const section = [
    ENCODER_SECTION,
    '',
    `Measured ${when} UTC by \`npx tsx test/bench/encode-node.ts\` (BENCH_ROWS=${rows.join(',')}, best of ${REPEAT}): the layer encoder's pipeline (diff_id SHA-256, chunked gzip, stored SHA-256, optionally the decode guard) over a ${(size / 1e6).toFixed(0)} MB tar of /usr, Node ${process.version}, ${availableParallelism()} cores, load average ${load0.toFixed(1)} at start and ${loadavg()[0].toFixed(1)} at end (with load far above the core count, wall times mostly measure the other jobs; CPU seconds are steadier).`,
    '',
    ...lines,
    '',
  ].join('\n');
  const out = join(import.meta.dirname, 'RESULTS.md');
  writeFileSync(out, replaceSection(readFileSync(out, 'utf8'), ENCODER_SECTION, section));
  console.log('updated test/bench/RESULTS.md');
}
