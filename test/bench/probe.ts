// Memory probe: `npx tsx test/bench/probe.ts MODE [image.tar]` reads the first layer of an image (default the
// 4 GiB memory-bench image, if generated) through one stage of the engine's read path in a worker of its own
// (test/bench/page/probe.worker.ts) and prints the renderer's RSS over the run. MODEs: blob.stream,
// blob.stream+sha, slices+sha, native-gunzip, native-gunzip+sha, native-gunzip+sha+yield, native-gunzip+slow,
// slices-gunzip+sha, stream-gunzip+sha2, decompressBlob, decompressBlob+sha, decompressBlob(slices)+sha,
// decompressBlob(stream)+sha, unpackLayer; sha256 (the incremental SHA-256's MiB/s in Chromium, no file read);
// floor (each part of a job alone: test/bench/page/floor.ts, as the bench's Floor section runs it).
// Build the bench page first (npm run bench does; or npx vite build --config test/bench/vite.bench.config.ts).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR } from './gen';
import { Bench } from './lib/browser';
import { descendants, kindOf } from './lib/proc';

const mode = process.argv[2] ?? 'unpackLayer';
const image = process.argv[3] ?? join(BENCH_DIR, 'mem-4096m/image-oci.tar');
const b = await Bench.start(join(BENCH_DIR, 'dist'));
await b.setFile(image);
const renderer = () => {
  let r = 0;
  for (const p of descendants(process.pid))
    if (kindOf(p) === 'renderer') r += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  return r;
};
const series: number[] = [];
const timer = setInterval(() => series.push(renderer()), 500);
const res = await b.page.evaluate(`window.bench.probe(${JSON.stringify(mode)})`);
clearInterval(timer);
const step = Math.max(1, Math.floor(series.length / 10));
console.log(`${mode}: ${JSON.stringify(res)}`);
console.log(`renderer RSS (MiB): ${series.filter((_, i) => i % step === 0).map((x) => x.toFixed(0)).join(' ')}; peak ${Math.max(...series).toFixed(0)}`);
await b.close();
