// A quick section run for tuning on a shared machine (not the full bench): SHA-256 MiB/s in Chromium, then
// verify (and diagnose) of one image in the app's engine worker beside the native one-read verify of its layers,
// wall and CPU seconds, best of BENCH_REPEAT. `npx tsx test/bench/quick.ts [image.tar]` (default: the big image,
// generated if missing). Build the bench page first (npx vite build --config test/bench/vite.bench.config.ts).
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { BENCH_DIR, bigImage } from './gen';
import { Bench } from './lib/browser';
import { best, sh } from './lib/native';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 2);
const image = process.argv[2] ?? (await bigImage()).tar;
const load0 = loadavg()[0];
const b = await Bench.start(join(BENCH_DIR, 'dist'));
try {
  if (!process.env.QUICK_NO_SHA) console.log('chromium sha256 MiB/s:', JSON.stringify(await b.page.evaluate(`window.bench.probe('sha256')`)));
  await b.setFile(image);
  for (const op of (process.env.QUICK_OPS ?? 'verify').split(',')) {
    let bestRun: { ms: number; cpu: number; idle: number; peak: number; renderer: number; halves: string } | undefined;
    for (let i = 0; i < REPEAT; i++) {
      const o = await b.open();
      const idle = await b.measure(() => new Promise((r) => setTimeout(r, 600)));
      const m = await b.measure(() => b.run(op, [o.sessionId]));
      const ms = (m.value as { ms: number }).ms;
      const mib = (x: number) => (x / 2 ** 20).toFixed(0);
      if (!bestRun || ms < bestRun.ms)
        bestRun = { ms, cpu: m.cpu, idle: idle.mem.rss, peak: m.mem.rss, renderer: m.mem.renderer, halves: `${mib(m.mem.firstHalf)} / ${mib(m.mem.secondHalf)}` };
    }
    const r = bestRun!;
    const mib = (x: number) => (x / 2 ** 20).toFixed(0);
    console.log(`app ${op}: ${(r.ms / 1000).toFixed(2)} s wall, ${r.cpu.toFixed(1)} CPU s; RSS idle ${mib(r.idle)} MiB, peak ${mib(r.peak)} MiB (growth ${mib(r.peak - r.idle)}), renderer peak ${mib(r.renderer)} MiB, 1st/2nd half peak ${r.halves} MiB`);
  }
} finally {
  await b.close();
}
const layout = image.replace(/image-oci\.tar$/, 'layout');
const nat = best(REPEAT, () => sh(`for f in $(find '${layout}/blobs' -type f -size +1M); do tee >(sha256sum >/dev/null) < "$f" | gzip -dc | sha256sum >/dev/null; done`));
console.log(`native one-read verify: ${(nat.ms / 1000).toFixed(2)} s wall, ${nat.cpu.toFixed(1)} CPU s; ${cpus().length} cores, load ${load0.toFixed(1)} -> ${loadavg()[0].toFixed(1)}`);
