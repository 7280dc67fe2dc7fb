// App state (Svelte 5 runes). Components read `app` and call its methods; all engine work goes through
// src/ui/engine.ts to the worker. Other views reuse `JobProgress` + `track()` for their own jobs.

import { LwError } from '../engine/errors';
import { engine, runJob, type JobArgs, type JobName, type JobResult } from './engine';
import { explain, type Explained } from './errors';
import type { OpenSummary } from './summary';
import type { OpenInput, VerifySummary } from '../../workers/engine.worker';

/** Live progress of one job: bytes, rate and ETA for a progress bar. */
export class JobProgress {
  label = $state('');
  done = $state(0);
  total = $state(0);
  /** Bytes per second over the last few seconds. */
  rate = $state<number | undefined>(undefined);
  detail = $state<string | undefined>(undefined);
  readonly startedAt = performance.now();
  cancel: () => void = () => {};
  #samples: { t: number; done: number }[] = [];

  constructor(label: string) {
    this.label = label;
  }

  get eta(): number | undefined {
    if (!this.rate || this.total <= 0 || this.done >= this.total) return undefined;
    return (this.total - this.done) / this.rate;
  }

  update = (done: number, total: number, detail?: string): void => {
    const t = performance.now();
    this.done = done;
    this.total = total;
    this.detail = detail;
    // A sliding 3 s window: responsive when speed changes (cache vs disk), steady enough to read.
    this.#samples.push({ t, done });
    while (this.#samples.length > 2 && t - this.#samples[0].t > 3000) this.#samples.shift();
    const first = this.#samples[0];
    const dt = (t - first.t) / 1000;
    if (dt > 0.2) this.rate = (done - first.done) / dt;
  };
}

/** Runs a worker job reporting into `progress` (whose cancel() then cancels the job). Rejects with an LwError. */
export function track<K extends JobName>(
  name: K,
  args: JobArgs<K>,
  progress: JobProgress,
): { progress: JobProgress; result: Promise<JobResult<K>> } {
  const job = runJob(name, args, progress.update);
  progress.cancel = job.cancel;
  return { progress, result: job.result };
}

export type Opened = OpenSummary & { sessionId: string };

class AppState {
  /** The top-level view (see src/ui/views.ts). */
  view = $state('inspect');
  /** The archive on screen; replaced as a whole, never mutated, so it is kept raw (not deeply proxied). */
  opened = $state.raw<Opened | null>(null);
  /** Which image of a multi-image archive is shown. */
  selected = $state(0);
  opening = $state<JobProgress | null>(null);
  /** The error in the alert region; cleared by the next action. */
  error = $state<Explained | null>(null);
  /** Bumped on every open so panels can reset their per-image state. */
  generation = $state(0);
  verifying = $state<JobProgress | null>(null);
  /** The last verify of the archive on screen. */
  verified = $state.raw<VerifySummary | null>(null);

  get image() {
    return this.opened?.images[this.selected];
  }

  showError(e: unknown): void {
    this.error = explain(e instanceof LwError ? e : new LwError('corrupt', String(e)));
  }

  /** Shows an archive the worker already opened (by open, or by later ops such as fix or build). */
  show(opened: Opened): void {
    const previous = this.opened;
    this.opened = opened;
    this.selected = 0;
    this.generation++;
    this.view = 'inspect';
    this.verifying?.cancel();
    this.verifying = null;
    this.verified = null;
    if (previous && previous.sessionId !== opened.sessionId) void closeSession(previous.sessionId);
  }

  async open(input: OpenInput, name: string): Promise<boolean> {
    this.error = null;
    this.opening?.cancel();
    const progress = new JobProgress(`Opening ${name}`);
    this.opening = progress;
    try {
      const { result } = track('open', [input, name], progress);
      const opened = await result;
      if (this.opening !== progress) return false; // superseded by a newer open
      this.show(opened);
      return true;
    } catch (e) {
      if (this.opening === progress) this.showError(e);
      return false;
    } finally {
      if (this.opening === progress) this.opening = null;
    }
  }

  async verify(): Promise<void> {
    const opened = this.opened;
    if (!opened || this.verifying) return;
    this.error = null;
    this.verified = null;
    const progress = new JobProgress('Verifying blobs');
    this.verifying = progress;
    try {
      const result = await track('verify', [opened.sessionId], progress).result;
      if (this.opened === opened) this.verified = result;
    } catch (e) {
      if (this.opened === opened) this.showError(e);
    } finally {
      if (this.verifying === progress) this.verifying = null;
    }
  }

  /** Back to the start screen. */
  closeImage(): void {
    if (this.opened) void closeSession(this.opened.sessionId);
    this.verifying?.cancel();
    this.verifying = null;
    this.verified = null;
    this.opened = null;
    this.error = null;
    this.generation++;
  }
}

async function closeSession(id: string): Promise<void> {
  await engine().close(id).catch(() => {});
}

export const app = new AppState();
