// Tar reading: readTar streams entries from a ReadableStream (content handed out as subarrays of the input
// chunks, never buffered beyond one chunk); scanTar indexes a Blob by reading headers only and seeking over
// content with Blob.slice — the way a multi-GB OCI-layout tar is opened in well under a second.

import { LwError, asLwError, throwIfAborted } from '../errors';
import { BLOCK, roundUp } from './header';
import { ParseState, parseNext, truncated, type HeaderSource } from './parse';
import type { TarEntry } from './types';
import { Budget } from '../limits';

export interface ReadTarOptions {
  signal?: AbortSignal;
  /**
   * Counts entries and their names against the limits (limits.ts), throwing `too-large` past them: every
   * listing built from a tar is bounded. Default: a fresh Budget per archive; null for none (the caller counts).
   */
  budget?: Budget | null;
  /** Names the archive in a `too-large` message. */
  what?: string;
}

function budgetOf(opts: ReadTarOptions): Budget | null {
  return opts.budget === undefined ? new Budget(opts.what ?? 'The archive') : opts.budget;
}

export interface TarItem {
  entry: TarEntry;
  /** The entry's content. Iterate at most once, before advancing the reader; undrained content is skipped. */
  data(): AsyncIterable<Uint8Array>;
}

const EMPTY = new Uint8Array(0);

/** Pull-based view of a stream reader: header reads copy (≤ a few blocks), content reads are zero-copy. */
class StreamSource implements HeaderSource {
  pos = 0;
  private buf: Uint8Array = EMPTY;
  private off = 0;
  private eof = false;
  constructor(
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    private readonly signal?: AbortSignal,
  ) {}

  /** Ensures unread bytes are buffered; false at EOF. */
  private async fill(): Promise<boolean> {
    while (this.off >= this.buf.length) {
      if (this.eof) return false;
      throwIfAborted(this.signal);
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await this.reader.read();
      } catch (e) {
        throw asLwError(e, 'corrupt');
      }
      if (r.done) {
        this.eof = true;
        return false;
      }
      const v: unknown = r.value;
      if (v instanceof Uint8Array) this.buf = v;
      else if (v instanceof ArrayBuffer) this.buf = new Uint8Array(v);
      else if (ArrayBuffer.isView(v)) this.buf = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      else throw new LwError('invalid-argument', 'tar: the input stream must yield Uint8Array chunks');
      this.off = 0;
    }
    return true;
  }

  async read(n: number): Promise<Uint8Array | null> {
    if (!(await this.fill())) return null;
    // Header bytes are copied: entries keep `raw`, and a subarray would pin the whole input chunk.
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      if (!(await this.fill())) throw truncated(`tar: archive ends inside a header at offset ${this.pos}`);
      const take = Math.min(n - got, this.buf.length - this.off);
      out.set(this.buf.subarray(this.off, this.off + take), got);
      this.off += take;
      this.pos += take;
      got += take;
    }
    return out;
  }

  /** Up to `max` (> 0) content bytes: a subarray of the current input chunk. */
  async chunk(max: number, entry: string): Promise<Uint8Array> {
    if (!(await this.fill())) throw truncated(`tar: archive ends inside the content of ${entry}`, entry);
    const take = Math.min(max, this.buf.length - this.off);
    const c = this.buf.subarray(this.off, this.off + take);
    this.off += take;
    this.pos += take;
    return c;
  }

  async skip(n: number, entry: string): Promise<void> {
    while (n > 0) {
      if (!(await this.fill())) throw truncated(`tar: archive ends inside the content of ${entry}`, entry);
      const take = Math.min(n, this.buf.length - this.off);
      this.off += take;
      this.pos += take;
      n -= take;
    }
  }

  /** Reads to EOF so a hashing/decompressing stream upstream sees (and checks) every byte. */
  async drain(): Promise<void> {
    this.off = this.buf.length;
    while (await this.fill()) this.off = this.buf.length;
  }
}

/**
 * Streams the entries of an uncompressed tar. After the end-of-archive block the rest of the stream is read
 * and discarded (so digests/decompressors upstream see all of it); breaking out early cancels the stream.
 * Every failure is an LwError: `truncated`, `corrupt`, `cancelled`, or what the stream itself threw.
 */
export async function* readTar(src: ReadableStream<Uint8Array>, opts: ReadTarOptions = {}): AsyncGenerator<TarItem> {
  const { signal } = opts;
  const budget = budgetOf(opts);
  let reader: ReadableStreamDefaultReader<Uint8Array>;
  try {
    reader = src.getReader();
  } catch (e) {
    throw asLwError(e, 'invalid-argument');
  }
  const s = new StreamSource(reader, signal);
  const st = new ParseState();
  let finished = false;
  try {
    for (;;) {
      const entry = await parseNext(s, st, signal);
      if (!entry) break;
      budget?.add(entry.path, entry.linkpath);
      let remaining = entry.size;
      let state = 'fresh' as 'fresh' | 'reading' | 'gone';
      const where = entry.path;
      const item: TarItem = {
        entry,
        data() {
          if (state !== 'fresh')
            throw new LwError('invalid-argument', 'tar: an entry\'s data may be read once, before the next entry', {
              entry: where,
            });
          state = 'reading';
          return (async function* () {
            while (remaining > 0) {
              if ((state as string) === 'gone')
                throw new LwError('invalid-argument', 'tar: entry data read after advancing to the next entry', {
                  entry: where,
                });
              const c = await s.chunk(remaining, where);
              remaining -= c.length;
              yield c;
            }
          })();
        },
      };
      yield item;
      state = 'gone';
      await s.skip(remaining + roundUp(entry.size) - entry.size, where);
    }
    await s.drain();
    finished = true;
  } catch (e) {
    throw asLwError(e);
  } finally {
    if (finished) reader.releaseLock();
    else reader.cancel().catch(() => {});
  }
}

/**
 * Random-access source over a Blob. Each Blob read costs ~0.1 ms whatever its size, so when entries are small
 * (headers close together) one read fetches a large window holding many headers; when they are far apart
 * (OCI-layout blobs) it fetches just a little past the header.
 */
class BlobSource implements HeaderSource {
  pos = 0;
  private win: Uint8Array = EMPTY;
  private winStart = 0;
  private lastMiss = -Infinity;
  constructor(private readonly blob: Blob) {}

  async read(n: number): Promise<Uint8Array | null> {
    const size = this.blob.size;
    if (this.pos >= size) return null;
    if (this.pos + n > size) throw truncated(`tar: archive ends inside a header at offset ${this.pos}`);
    const rel = this.pos - this.winStart;
    if (rel < 0 || rel + n > this.win.length) {
      const near = this.pos - this.lastMiss <= 256 * 1024;
      this.lastMiss = this.pos;
      const len = Math.min(size - this.pos, Math.max(n, near ? 1024 * 1024 : 16 * BLOCK));
      this.win = new Uint8Array(await this.blob.slice(this.pos, this.pos + len).arrayBuffer());
      this.winStart = this.pos;
      if (this.win.length < n) throw truncated(`tar: short read at offset ${this.pos}`);
    }
    const r = this.pos - this.winStart;
    const out = this.win.slice(r, r + n);
    this.pos += n;
    return out;
  }

  seek(pos: number): void {
    this.pos = pos;
  }
}

/** Reads every entry's headers, seeking over content. Same TarEntry objects (offsets included) as readTar. */
export async function scanTar(blob: Blob, opts: ReadTarOptions = {}): Promise<TarEntry[]> {
  const out: TarEntry[] = [];
  for await (const e of scanTarEntries(blob, opts)) out.push(e);
  return out;
}

/** scanTar one entry at a time, for callers that keep less than the whole TarEntry (an index of 2M files). */
export async function* scanTarEntries(blob: Blob, opts: ReadTarOptions = {}): AsyncGenerator<TarEntry> {
  const src = new BlobSource(blob);
  const st = new ParseState();
  const budget = budgetOf(opts);
  try {
    for (;;) {
      const e = await parseNext(src, st, opts.signal);
      if (!e) return;
      const end = e.dataOffset + roundUp(e.size);
      if (end > blob.size) throw truncated(`tar: archive ends inside the content of ${e.path}`, e.path);
      budget?.add(e.path, e.linkpath);
      src.seek(end);
      yield e;
    }
  } catch (e) {
    throw asLwError(e);
  }
}

/** './a/b/' -> 'a/b', '/a' -> 'a', '.' or './' -> '', 'a//./b' -> 'a/b'. '..' is kept (callers judge safety). */
export function normalizePath(p: string): string {
  return p
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .join('/');
}
