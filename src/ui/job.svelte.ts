// The one way a panel runs a worker job: `new Job('verify', () => 'Verifying blobs')`, then `job.start(args)`.
// A Job holds what a panel shows — `progress` while it runs (bytes, rate, ETA, what it waits for, cancel), then
// `result` or `error` — and starting it again cancels the run before. Cancelled runs leave no error: the user
// asked for it. Panels derive everything else from these fields; no effect copies them around.

import { LwError } from '../engine/errors';
import { runJob, type JobArgs, type JobName, type JobResult } from './engine';

/** Live progress of one job: bytes, rate and ETA for a progress bar. */
export class JobProgress {
  label = $state('');
  done = $state(0);
  total = $state(0);
  /** Bytes per second over the last few seconds. */
  rate = $state<number | undefined>(undefined);
  /** What is being worked on, or what the job waits for ("Paused while the file listing runs"). */
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

export function isCancelled(e: unknown): boolean {
  return (e as { code?: string } | null)?.code === 'cancelled';
}

export class Job<K extends JobName> {
  /** Set while a run is in flight (its progress bar); null otherwise. */
  progress = $state<JobProgress | null>(null);
  result = $state.raw<JobResult<K> | null>(null);
  /** Why the last run failed (never a cancel). */
  error = $state.raw<LwError | null>(null);
  /** The last run ended because it was cancelled (by its Cancel button, not superseded). */
  cancelled = $state(false);
  #run = 0;

  constructor(
    readonly name: K,
    private readonly label: (...args: JobArgs<K>) => string,
  ) {}

  get running(): boolean {
    return this.progress !== null;
  }

  /**
   * Runs the job (cancelling a run still in flight). Resolves with the result, or undefined when it failed
   * (see `error`), was cancelled, or was superseded by a newer start() or reset().
   */
  async start(...args: JobArgs<K>): Promise<JobResult<K> | undefined> {
    this.progress?.cancel();
    const run = ++this.#run;
    const progress = new JobProgress(this.label(...args));
    this.progress = progress;
    this.result = null;
    this.error = null;
    this.cancelled = false;
    const job = runJob(this.name, args, progress.update);
    progress.cancel = job.cancel;
    try {
      const r = await job.result;
      if (run !== this.#run) return undefined;
      this.result = r;
      return r;
    } catch (e) {
      if (run === this.#run && isCancelled(e)) this.cancelled = true;
      else if (run === this.#run) this.error = e instanceof LwError ? e : new LwError('corrupt', String(e));
      return undefined;
    } finally {
      if (run === this.#run) this.progress = null;
    }
  }

  cancel(): void {
    this.progress?.cancel();
  }

  /** Cancels any run and forgets result and error. */
  reset(): void {
    this.#run++;
    this.progress?.cancel();
    this.progress = null;
    this.result = null;
    this.error = null;
    this.cancelled = false;
  }

  /** Shows a result that was computed before (e.g. kept per session) without running. */
  restore(r: JobResult<K>): void {
    this.reset();
    this.result = r;
  }
}
