// The one stdout writer of the CLI. Every verb's output goes through it, so that:
// - output is written in pieces of at most 64 KiB (never one giant string: `ls --json` of a million rows used to
//   die with "Invalid string length", and huge single writes to a pipe failed with ENOBUFS);
// - JSON is streamed (jsonPieces): the same text as JSON.stringify(value, null, 2), never built whole;
// - a reader that goes away (`ls … | head`: EPIPE) ends the verb quietly with exit 0 instead of a stack trace;
// - back-pressure is respected where stdout is asynchronous (drain() waits for the stream).

const PIECE = 64 * 1024;

export interface StdoutWriter {
  write(text: string): void;
  /** Writes what is buffered; waits while the stream's buffer is full. */
  drain(): Promise<void>;
  /** True once the reader closed the pipe (EPIPE): later writes are dropped. */
  readonly closed: boolean;
}

/**
 * A writer over a Node stream (process.stdout). `onClosed` runs once when the reader has gone away, so the
 * caller can cancel the work whose output nobody reads.
 */
export function streamWriter(stream: NodeJS.WriteStream | NodeJS.WritableStream, onClosed: () => void = () => {}): StdoutWriter {
  let buf: string[] = [];
  let len = 0;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    buf = [];
    len = 0;
    onClosed();
  };
  stream.on('error', (e: NodeJS.ErrnoException) => {
    // EPIPE / ECONNRESET: the reader is gone. Anything else (ENOSPC on a redirect) is also fatal for stdout;
    // the verb is cancelled either way and main.ts reports non-pipe errors on stderr.
    if (e.code !== 'EPIPE' && e.code !== 'ECONNRESET') lastError = e;
    close();
  });
  const flush = () => {
    if (closed || len === 0) return;
    const text = buf.length === 1 ? buf[0] : buf.join('');
    buf = [];
    len = 0;
    for (let i = 0; i < text.length && !closed; i += PIECE) {
      try {
        stream.write(text.length <= PIECE ? text : text.slice(i, i + PIECE));
      } catch {
        close(); // a synchronous EPIPE/ENOBUFS thrown by a destroyed stream
      }
    }
  };
  return {
    write(text) {
      if (closed) return;
      buf.push(text);
      len += text.length;
      if (len >= PIECE) flush();
    },
    async drain() {
      flush();
      const s = stream as NodeJS.WriteStream;
      if (closed || !s.writableNeedDrain) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          s.off('drain', done);
          s.off('close', done);
          s.off('error', done);
          resolve();
        };
        s.on('drain', done);
        s.on('close', done);
        s.on('error', done);
      });
    },
    get closed() {
      return closed;
    },
  };
}

/** A stdout error other than the reader going away (reported once by main.ts). */
export let lastError: NodeJS.ErrnoException | undefined;

/**
 * The text of JSON.stringify(value, null, 2) in pieces: arrays and objects are walked down to `depth` levels, so
 * a listing of millions of rows is never one string; below that, JSON.stringify does the work.
 */
export function* jsonPieces(value: unknown, depth = 3, indent = ''): Generator<string> {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function')
    value = (value as { toJSON(): unknown }).toJSON();
  if (depth <= 0 || value === null || typeof value !== 'object') {
    const s = JSON.stringify(value, null, 2);
    yield s === undefined ? 'null' : indent ? s.replace(/\n/g, `\n${indent}`) : s;
    return;
  }
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.length === 0) return yield '[]';
    yield '[\n';
    for (let i = 0; i < value.length; i++) {
      yield inner;
      const v = value[i];
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') yield 'null';
      else yield* jsonPieces(v, depth - 1, inner);
      yield i < value.length - 1 ? ',\n' : '\n';
    }
    yield `${indent}]`;
    return;
  }
  const keys = Object.keys(value).filter((k) => {
    const v = (value as Record<string, unknown>)[k];
    return v !== undefined && typeof v !== 'function' && typeof v !== 'symbol';
  });
  if (keys.length === 0) return yield '{}';
  yield '{\n';
  for (let i = 0; i < keys.length; i++) {
    yield `${inner}${JSON.stringify(keys[i])}: `;
    yield* jsonPieces((value as Record<string, unknown>)[keys[i]], depth - 1, inner);
    yield i < keys.length - 1 ? ',\n' : '\n';
  }
  yield `${indent}}`;
}
