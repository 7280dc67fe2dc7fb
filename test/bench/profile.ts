// Tuning aid, not part of `npm run bench`: a CPU profile of the engine worker (CDP Profiler) while it runs one
// job on one image, written as .cpuprofile files (open in Chrome DevTools) and summarised by self time.
// `npx tsx test/bench/profile.ts IMAGE.tar verify|diagnose|fix` or `… BASE.tar build ROOTFS.tar` (build the bench
// page first, as quick.ts says; BENCH_NO_MINIFY=1 for readable names); PROFILE=0 skips the profiler.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { descendants, kindOf } from './lib/proc';
import { join } from 'node:path';
import { BENCH_DIR } from './gen';
import { Bench } from './lib/browser';

const [image, op = 'verify', rootfs] = process.argv.slice(2); // build: IMAGE is the base, ROOTFS the app rootfs tar
const b = await Bench.start(join(BENCH_DIR, 'dist'));
try {
  await b.setFile(image!);
  const o = await b.open();
  const sid = o.sessionId!;
  let args: unknown[] = [sid];
  if (op === 'fix') {
    const d = await b.run('diagnose', [sid], 'diag');
    const repairs = ((d.result as { repairs?: { id: string; optional?: boolean }[] }).repairs ?? []).filter((r) => !r.optional).map((r) => r.id);
    args = [sid, repairs];
  }
  const profile = process.env.PROFILE !== '0'; // PROFILE=0: the job's time and CPU per thread without the profiler
  if (profile) {
    await b.workerSend('Profiler.enable');
    await b.workerSend('Profiler.setSamplingInterval', { interval: 200 });
    await b.workerSend('Profiler.start');
  }
  const t0 = threads();
  if (op === 'build') await b.setRootfs(rootfs!);
  const m = await b.measure(() => (op === 'build' ? b.build(sid) : b.run(op, args)));
  const t1 = threads();
  const profiles = (profile ? await b.workerSend('Profiler.stop', {}, 60_000) : []) as { profile: Profile }[];
  console.log(`${op}: ${((m.value as { ms: number }).ms / 1000).toFixed(2)} s wall, ${m.cpu.toFixed(1)} CPU s (all Chromium processes)`, (m.value as { error?: unknown }).error ?? '');
  const d = [...t1].map(([k, v]) => [k, v - (t0.get(k) ?? 0)] as const).filter(([, v]) => v >= 0.05).sort((x, y) => y[1] - x[1]);
  console.log('CPU s by process kind / thread name:');
  for (const [k, v] of d) console.log(`  ${v.toFixed(2)}  ${k}`);
  profiles.forEach((p, i) => {
    if (!p?.profile) return;
    const file = join(BENCH_DIR, `${op}-worker${i}.cpuprofile`);
    writeFileSync(file, JSON.stringify(p.profile));
    summarise(p.profile, file);
  });
} finally {
  await b.close();
}

interface Profile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}
function summarise(p: Profile, file: string): void {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    total += dt;
    const f = byId.get(id)!.callFrame;
    const k = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
    self.set(k, (self.get(k) ?? 0) + dt);
  });
  console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled`);
  for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 18)) console.log(`  ${(t / 1e6).toFixed(2)} s  ${k}`);
}

/** CPU seconds so far of every thread of every Chromium process, keyed by process kind and thread name. */
function threads(): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of descendants(process.pid)) {
    const kind = kindOf(pid);
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const st = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'));
        const rest = st.slice(st.lastIndexOf(')') + 2).split(' ');
        const k = `${kind} ${name.replace(/\d+$/, '#')}${name.startsWith('DedicatedWorker') ? ` (tid ${tid})` : ''}`;
        out.set(k, (out.get(k) ?? 0) + (Number(rest[11]) + Number(rest[12])) / 100);
      } catch {
        /* gone */
      }
    }
  }
  return out;
}
