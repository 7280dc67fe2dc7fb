// `npx tsx test/bench/encode-node.ts`: what the layer encoder costs under Node on a ~300 MB real tar (/usr),
// and what its decode guard adds. Not part of CI; prints a Markdown table for RESULTS.md.
//
// Rows: (1) the encode pipeline without the guard (gzip + stored-digest hash, what encodeLayer did before the
// guard), (2) the same with the guard's tap (native DecompressionStream + SHA-256 of what comes out), best of
// BENCH_REPEAT (default 2). CPU seconds include zlib's threads. Env: BENCH_MB (default 300), BENCH_LEVEL (6).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openAsBlob, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeGuard } from '../../src/engine/compress/guard';
import { gzipStream, type Deflater } from '../../src/engine/compress/gzip';
import { hashingStream } from '../../src/engine/digest/index';

const ROOT = join(import.meta.dirname, '../..');
const MB = Number(process.env.BENCH_MB ?? 300);
const LEVEL = Number(process.env.BENCH_LEVEL ?? 6);
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
  const diff = hashingStream();
  const stored = hashingStream();
  let s = (blob.stream() as ReadableStream<Uint8Array>).pipeThrough(diff.stream).pipeThrough(gzipStream({ level: opts.level, deflater: opts.deflater }));
  const guard = opts.guard ? decodeGuard() : undefined;
  if (guard) s = s.pipeThrough(guard.tap);
  let out = 0;
  await s.pipeThrough(stored.stream).pipeTo(new WritableStream({ write: (c) => void (out += c.length) }));
  guard?.check(diff.result().digest, diff.result().size);
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6, out };
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
  const plain = await best(() => timeEncode(path, { guard: false, level: LEVEL }));
  const guarded = await best(() => timeEncode(path, { guard: true, level: LEVEL }));
  const row = (what: string, t: Timing) =>
    `| ${what} | ${t.wall.toFixed(1)} s | ${t.cpu.toFixed(1)} s | ${(size / 1e6 / t.wall).toFixed(1)} MB/s | ${(t.out / size).toFixed(4)} |`;
  console.log(`${(size / 1e6).toFixed(0)} MB tar of /usr, level ${LEVEL}, Node ${process.version}, load ${(await import('node:os')).loadavg()[0].toFixed(1)}`);
  console.log('| encode | wall | CPU | input MB/s | out ÷ in |\n|---|---|---|---|---|');
  console.log(row('gzip + digest, no guard', plain));
  console.log(row('gzip + digest + decode guard', guarded));
  console.log(`guard: +${(guarded.wall - plain.wall).toFixed(1)} s wall (${((100 * (guarded.wall - plain.wall)) / plain.wall).toFixed(0)} %), +${(guarded.cpu - plain.cpu).toFixed(1)} s CPU (${((100 * (guarded.cpu - plain.cpu)) / plain.cpu).toFixed(0)} %)`);
}
