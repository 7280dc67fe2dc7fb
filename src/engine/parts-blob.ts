// Node 20's Blob addresses bytes with 32-bit numbers: a file-backed Blob over 4 GiB reports its size modulo 2^32
// and `new Blob(parts)` refuses a total over 4 GiB (ERR_BUFFER_TOO_LARGE). Scratch files past that (a 10 GiB layer
// unpacked from an outer tar.zst) are therefore written as 1 GiB part files and read through PartsBlob: a Blob
// whose size, slice() and stream() span the parts. Any slice under 4 GiB is a real Blob. A PartsBlob must never be
// a part of `new Blob([...])`: Node then counts its size but copies none of its bytes (measured: silently wrong
// content), so archives are composed with joinBlobParts, which flattens it into its parts. Web globals only: the
// engine composes output archives with it, in Node and in the page (where `new Blob` is used whenever it works).

const NODE_BLOB_MAX = 2 ** 32 - 1;

export class PartsBlob extends Blob {
  readonly #parts: Blob[];
  readonly #size: number;

  constructor(parts: Blob[]) {
    super([]);
    this.#parts = parts;
    this.#size = parts.reduce((n, p) => n + p.size, 0);
  }

  /** The Blobs this one spans, in order (for joinBlobParts). */
  get parts(): readonly Blob[] {
    return this.#parts;
  }

  override get size(): number {
    return this.#size;
  }

  override slice(start = 0, end = this.#size, type?: string): Blob {
    const clamp = (v: number) => (v < 0 ? Math.max(this.#size + v, 0) : Math.min(v, this.#size));
    const s = clamp(start);
    const e = Math.max(s, clamp(end));
    const pieces: Blob[] = [];
    let at = 0;
    for (const p of this.#parts) {
      const ps = Math.max(s - at, 0);
      const pe = Math.min(e - at, p.size);
      if (pe > ps) pieces.push(ps === 0 && pe === p.size ? p : p.slice(ps, pe));
      at += p.size;
      if (at >= e) break;
    }
    if (e - s <= NODE_BLOB_MAX) return new Blob(pieces, { type });
    return new PartsBlob(pieces);
  }

  override stream(): ReadableStream<Uint8Array<ArrayBuffer>> {
    const parts = this.#parts;
    let i = 0;
    let reader: ReadableStreamDefaultReader<Uint8Array<ArrayBuffer>> | undefined;
    return new ReadableStream<Uint8Array<ArrayBuffer>>({
      async pull(c) {
        for (;;) {
          if (!reader) {
            if (i >= parts.length) return c.close();
            reader = parts[i++].stream().getReader() as ReadableStreamDefaultReader<Uint8Array<ArrayBuffer>>;
          }
          const r = await reader.read();
          if (!r.done) return c.enqueue(r.value);
          reader = undefined;
        }
      },
      async cancel(reason) {
        await reader?.cancel(reason);
      },
    });
  }

  override arrayBuffer(): Promise<ArrayBuffer> {
    return new Blob(this.#parts).arrayBuffer(); // throws ERR_BUFFER_TOO_LARGE: no ArrayBuffer holds this much
  }
}

let joinLimit = NODE_BLOB_MAX;
/** Tests lower the size past which joinBlobParts checks what `new Blob` made (and falls back to a PartsBlob). */
export function setBlobJoinLimit(n: number): number {
  const old = joinLimit;
  joinLimit = n;
  return old;
}

/**
 * `new Blob(parts)` for archives of any size: PartsBlob parts are flattened; past the limit, a native Blob is kept
 * only if it has the right size (the browser's do), else (Node 20 past 4 GiB) the parts are joined as a PartsBlob,
 * which the CLI streams to its output file. `native: false` skips the native attempt (tests).
 */
export function joinBlobParts(parts: (Blob | Uint8Array<ArrayBuffer>)[], opts: { native?: boolean } = {}): Blob {
  const flat: (Blob | Uint8Array<ArrayBuffer>)[] = [];
  let total = 0;
  for (const p of parts) {
    if (p instanceof PartsBlob) flat.push(...p.parts);
    else flat.push(p);
    total += p instanceof Blob ? p.size : p.byteLength;
  }
  if (total < joinLimit) return new Blob(flat);
  if (opts.native !== false) {
    try {
      const b = new Blob(flat);
      if (b.size === total) return b;
    } catch {
      // Node: ERR_BUFFER_TOO_LARGE. Joined below instead.
    }
  }
  return new PartsBlob(flat.map((p) => (p instanceof Blob ? p : new Blob([p]))));
}
