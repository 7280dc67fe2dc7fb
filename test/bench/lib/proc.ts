// /proc sampling of a process tree (Linux): RSS and PSS per process, summed, and CPU time. Chromium splits into
// browser, renderer (the page and its dedicated worker), GPU and utility processes: peak memory is the peak of
// the sum, sampled every 200 ms; PSS divides shared pages among the processes that share them, so the PSS sum
// does not count shared libraries once per process the way the RSS sum does.

import { readFileSync, readdirSync } from 'node:fs';

const TICK = 100; // USER_HZ on Linux

function read(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

/** All descendants of `root` (not root itself). */
export function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = read(`/proc/${d}/stat`);
    if (!st) continue;
    const rest = st.slice(st.lastIndexOf(')') + 2).split(' ');
    parent.set(Number(d), Number(rest[1]));
  }
  const out: number[] = [];
  const want = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, pp] of parent)
      if (want.has(pp) && !want.has(pid)) {
        want.add(pid);
        out.push(pid);
        grew = true;
      }
  }
  return out;
}

export function kindOf(pid: number): string {
  // Chromium's zygote children rewrite argv[0] with the whole command line, space-separated.
  const cmd = read(`/proc/${pid}/cmdline`)?.split(/[\0 ]/) ?? [];
  const t = cmd.find((a) => a.startsWith('--type='));
  if (!t) return cmd[0]?.includes('chrom') ? 'browser' : 'other';
  const type = t.slice(7);
  if (type === 'utility') {
    const sub = cmd.find((a) => a.startsWith('--utility-sub-type='));
    return 'utility:' + (sub?.split('.').slice(-1)[0] ?? '?');
  }
  return type;
}

function kb(text: string | undefined, key: string): number {
  const m = text && new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) * 1024 : 0;
}

export function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const st = read(`/proc/${pid}/stat`);
    if (!st) continue;
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    ticks += Number(f[11]) + Number(f[12]); // utime, stime
  }
  return ticks / TICK;
}

export interface MemPeak {
  rss: number;
  pss: number;
  renderer: number;
  browser: number;
  gpu: number;
  samples: number;
  /** Peak of the RSS sum in the first and in the second half of the run: equal halves = no growth over time. */
  firstHalf: number;
  secondHalf: number;
  /** Mean of the RSS sum over the run. */
  mean: number;
  /** Peak RSS per process kind. */
  byKind: Record<string, number>;
}

/** Samples the tree under `root` every `ms` until stopped; tracks peaks. */
export class Sampler {
  private timer?: ReturnType<typeof setInterval>;
  private peak: MemPeak = Sampler.empty();
  private series: number[] = [];
  private static empty(): MemPeak {
    return { rss: 0, pss: 0, renderer: 0, browser: 0, gpu: 0, samples: 0, firstHalf: 0, secondHalf: 0, mean: 0, byKind: {} };
  }
  private kinds = new Map<number, string>();
  constructor(private readonly root: number, private readonly ms = 200) {}

  sampleOnce(): { rss: number; pss: number } {
    let rss = 0;
    let pss = 0;
    const byKind: Record<string, number> = {};
    for (const pid of descendants(this.root)) {
      let k = this.kinds.get(pid);
      if (!k) this.kinds.set(pid, (k = kindOf(pid)));
      if (k === 'other') continue;
      const r = kb(read(`/proc/${pid}/status`), 'VmRSS');
      rss += r;
      pss += kb(read(`/proc/${pid}/smaps_rollup`), 'Pss');
      byKind[k] = (byKind[k] ?? 0) + r;
    }
    const p = this.peak;
    p.samples++;
    this.series.push(rss);
    p.rss = Math.max(p.rss, rss);
    p.pss = Math.max(p.pss, pss);
    p.renderer = Math.max(p.renderer, byKind.renderer ?? 0);
    p.browser = Math.max(p.browser, byKind.browser ?? 0);
    p.gpu = Math.max(p.gpu, byKind['gpu-process'] ?? 0);
    for (const [k, v] of Object.entries(byKind)) p.byKind[k] = Math.max(p.byKind[k] ?? 0, v);
    return { rss, pss };
  }
  start(): void {
    this.peak = Sampler.empty();
    this.series = [];
    this.sampleOnce();
    this.timer = setInterval(() => this.sampleOnce(), this.ms);
  }
  stop(): MemPeak {
    clearInterval(this.timer);
    this.sampleOnce();
    const s = this.series;
    const half = Math.floor(s.length / 2);
    this.peak.firstHalf = Math.max(0, ...s.slice(0, half));
    this.peak.secondHalf = Math.max(0, ...s.slice(half));
    this.peak.mean = s.reduce((a, b) => a + b, 0) / Math.max(1, s.length);
    return this.peak;
  }
}
