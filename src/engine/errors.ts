// Typed errors: every failure the engine reports carries a stable code the UI maps to plain words
// and the CLI prints. `where` names the blob digest, archive entry or layer the problem is in.

export type ErrorCode =
  | 'not-an-image' // the input is not an OCI layout, docker-archive or rootfs tar we understand
  | 'truncated' // the archive or a compressed stream ends early
  | 'corrupt' // malformed tar header, checksum, compressed data or JSON
  | 'digest-mismatch' // content does not hash to the digest that names it
  | 'size-mismatch' // content length differs from the descriptor size
  | 'diffid-mismatch' // uncompressed layer does not hash to the config's diff_id
  | 'missing-blob' // a descriptor points at a blob the archive does not contain
  | 'unsupported-media-type'
  | 'unsafe-path' // ../ or absolute path escaping the root
  | 'ambiguous-json' // a document whose fields Go-based engines and other readers read differently
  | 'symlink-loop'
  | 'tag-not-found'
  | 'invalid-argument' // a user-supplied value is wrong (bad quoting, bad port, ...)
  | 'cancelled'
  | 'write-failed' // output could not be written completely
  | 'encoder-failed' // a layer we compressed did not decode back to its tar (the guard in layers/encode.ts)
  | 'worker-failed' // a worker of the pool (compress/pool.ts) died or failed while hashing
  | 'suspicious-expansion' // a layer or archive decompresses past its ratio/absolute ceiling (a bomb?)
  | 'too-large'; // past a memory or expansion limit (limits.ts): raise it if the input is trusted

export interface ErrorWhere {
  blob?: string;
  entry?: string;
  layer?: number;
  field?: string;
}

export class LwError extends Error {
  readonly code: ErrorCode;
  readonly where: ErrorWhere;
  constructor(code: ErrorCode, message: string, where: ErrorWhere = {}) {
    super(message);
    this.name = 'LwError';
    this.code = code;
    this.where = where;
  }
  /** Plain JSON form: structured-clone and comlink safe, used by the worker and the CLI. */
  toJSON(): { code: ErrorCode; message: string; where: ErrorWhere } {
    return { code: this.code, message: this.message, where: this.where };
  }
}

export function isLwError(e: unknown): e is LwError {
  return e instanceof LwError;
}

/** Throws `cancelled` if the signal fired; call between chunks of every long loop. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new LwError('cancelled', 'The operation was cancelled.');
}

/** Wraps anything thrown into an LwError so callers handle one type. */
export function asLwError(e: unknown, fallback: ErrorCode = 'corrupt'): LwError {
  if (e instanceof LwError) return e;
  if (e && typeof e === 'object' && (e as { name?: string }).name === 'AbortError')
    return new LwError('cancelled', 'The operation was cancelled.');
  const msg = e instanceof Error ? e.message : String(e);
  return new LwError(fallback, msg);
}
