// The UI's handle on the engine worker. `runJob` starts any job method of the worker API with a fresh job id
// and a progress callback, and turns the plain `{code, message, where}` the worker throws back into an LwError.

import * as Comlink from 'comlink';
import { LwError, type ErrorCode } from '../engine/errors';
import type { EngineApi, JobArgs, JobName, JobResult, ProgressCallback, WireError } from '../protocol';

export type { JobArgs, JobName, JobResult };

let remote: Comlink.Remote<EngineApi> | undefined;
/** Rejects when the worker dies (a load error, out of memory): comlink alone would leave calls pending forever. */
let crashed: Promise<never> = new Promise(() => {});

/** The worker starts on first use, so the start screen paints without waiting for the engine. */
export function engine(): Comlink.Remote<EngineApi> {
  if (!remote) {
    const worker = new Worker(new URL('../../workers/engine.worker.ts', import.meta.url), {
      type: 'module',
      name: 'layerwright-engine',
    });
    remote = Comlink.wrap<EngineApi>(worker);
    crashed = new Promise<never>((_, reject) => {
      const fail = (e: Event) => {
        const detail = e instanceof ErrorEvent && e.message ? e.message : e.type;
        worker.terminate();
        remote = undefined; // the next call starts a fresh worker; open images are gone with this one
        reject(new LwError('corrupt', `The engine stopped unexpectedly (${detail}). Open the image again.`));
      };
      worker.addEventListener('error', fail);
      worker.addEventListener('messageerror', fail);
    });
    crashed.catch(() => {}); // observed through the races in runJob
  }
  return remote;
}

export interface RunningJob<R> {
  id: string;
  result: Promise<R>;
  cancel(): void;
}

let jobCounter = 0;

export function runJob<K extends JobName>(
  name: K,
  args: JobArgs<K>,
  onProgress?: ProgressCallback,
): RunningJob<JobResult<K>> {
  const id = `j${++jobCounter}`;
  const api = engine();
  const fn = api[name] as unknown as (id: string, p: ProgressCallback | undefined, ...a: unknown[]) => Promise<unknown>;
  const call = fn(id, onProgress ? Comlink.proxy(onProgress) : undefined, ...args);
  const result = Promise.race([call, crashed]).catch((e: unknown) => {
    throw fromWire(e);
  }) as Promise<JobResult<K>>;
  return { id, result, cancel: () => void api.cancel(id) };
}

// A Record, so adding an ErrorCode to the engine without listing it here fails the typecheck (an unknown code
// would otherwise turn into "The engine failed unexpectedly").
const KNOWN: Record<ErrorCode, true> = {
  'not-an-image': true, truncated: true, corrupt: true, 'digest-mismatch': true, 'size-mismatch': true,
  'diffid-mismatch': true, 'missing-blob': true, 'unsupported-media-type': true, 'unsafe-path': true,
  'ambiguous-json': true, 'symlink-loop': true, 'tag-not-found': true, 'invalid-argument': true, cancelled: true,
  'write-failed': true, 'too-large': true, 'suspicious-expansion': true, 'encoder-failed': true,
  'worker-failed': true,
};
const CODES = new Set<string>(Object.keys(KNOWN));

/** Rebuilds the typed error from what crossed the worker boundary (or wraps a worker crash). */
export function fromWire(e: unknown): LwError {
  if (e instanceof LwError) return e;
  const w = e as Partial<WireError> | undefined;
  if (w && typeof w === 'object' && typeof w.code === 'string' && CODES.has(w.code as ErrorCode))
    return new LwError(w.code as ErrorCode, String(w.message ?? ''), w.where ?? {});
  const message = e instanceof Error ? e.message : String(e);
  return new LwError('corrupt', `The engine failed unexpectedly: ${message}`);
}
