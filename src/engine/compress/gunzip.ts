// A streaming gzip decoder (RFC 1952) that is the authority on what a gzip stream contains:
// headers with every optional field, any number of members, trailer CRC-32 and ISIZE checks, and
// a precise verdict at the end — 'truncated' when the input stops inside a member, 'corrupt' for bad
// data. Raw DEFLATE comes from fflate's Inflate; fflate's own Gunzip is not used because it checks
// neither CRC nor length and cannot tell a missing trailer from a present one.
//
// Trailing zero bytes after the last member are accepted (GNU gzip and Node's zlib do too: tape
// and block-device padding); any other trailing data is 'corrupt'.

import { Inflate } from 'fflate';
import { LwError } from '../errors';
import { crc32 } from './crc32';
import { concatBytes } from '../bytes';

/** fflate Inflate's internal state (fflate 0.8.x): f = final block seen, l = inside a block, p = bit position. */
interface InflateInternals {
  s: { f?: number; l?: unknown; p?: number };
  p: Uint8Array;
}

const FHCRC = 2, FEXTRA = 4, FNAME = 8, FCOMMENT = 16;
const MAX_HEADER = 1 << 20; // a header longer than this (huge name/comment/extra) is not a layer

type State = 'header' | 'body' | 'trailer' | 'after' | 'zeros';

export class GunzipDecoder {
  private state: State = 'header';
  private pending: Uint8Array = new Uint8Array(0); // unparsed header/trailer bytes
  private inflate: Inflate | null = null;
  private crc = 0;
  private size = 0;
  private members = 0;
  private inputBytes = 0;

  constructor(private readonly emit: (chunk: Uint8Array) => void) {}

  /** Feeds compressed bytes; decoded output goes to `emit` synchronously. Throws LwError. */
  push(chunk: Uint8Array): void {
    this.inputBytes += chunk.length;
    let data = chunk;
    if (this.pending.length) {
      data = concatBytes(this.pending, chunk);
      this.pending = new Uint8Array(0);
    }
    while (data.length) {
      switch (this.state) {
        case 'header': {
          const n = headerLength(data, this.members);
          if (n < 0) {
            if (data.length > MAX_HEADER) throw this.corrupt('gzip header is implausibly long');
            this.pending = data.slice();
            return;
          }
          data = data.subarray(n);
          this.startMember();
          break;
        }
        case 'body':
          data = this.inflateSome(data);
          break;
        case 'trailer': {
          if (data.length < 8) {
            this.pending = data.slice();
            return;
          }
          const crc = readLE32(data, 0);
          const isize = readLE32(data, 4);
          if (crc !== this.crc)
            throw this.corrupt(`gzip member ${this.members} fails its CRC-32 check (data is damaged)`);
          if (isize !== this.size % 0x100000000)
            throw this.corrupt(`gzip member ${this.members} has the wrong length in its trailer`);
          data = data.subarray(8);
          this.state = 'after';
          break;
        }
        case 'after':
          // Another member follows, or zero padding; anything else is junk.
          if (data[0] === 0x1f) this.state = 'header';
          else if (data[0] === 0) this.state = 'zeros';
          else throw this.corrupt('unexpected data after the end of the gzip stream');
          break;
        case 'zeros':
          for (let i = 0; i < data.length; i++)
            if (data[i] !== 0) throw this.corrupt('unexpected data after the end of the gzip stream');
          return;
      }
    }
  }

  /** Declares the end of input: throws 'truncated' unless it ended between members. */
  finish(): void {
    if (this.state === 'after' || this.state === 'zeros') return;
    if (this.state === 'header' && this.pending.length === 0 && this.members > 0) return;
    const where =
      this.members === 0 && this.inputBytes === 0
        ? 'the gzip stream is empty'
        : `the gzip stream ends early (inside member ${Math.max(1, this.members)}, after ${this.inputBytes} compressed bytes)`;
    throw new LwError('truncated', `Truncated: ${where}.`);
  }

  private startMember(): void {
    this.members++;
    this.crc = 0;
    this.size = 0;
    this.inflate = new Inflate((out) => {
      if (!out.length) return;
      this.crc = crc32(out, this.crc);
      this.size += out.length;
      this.emit(out);
    });
    this.state = 'body';
  }

  // Pushes data into the inflater; returns what follows the DEFLATE stream if it ended in `data`.
  private inflateSome(data: Uint8Array): Uint8Array {
    const inf = this.inflate!;
    try {
      inf.push(data, false);
    } catch (e) {
      throw this.corrupt(`invalid DEFLATE data in gzip member ${this.members} (${(e as Error).message})`);
    }
    const internals = inf as unknown as InflateInternals;
    const s = internals.s;
    if (!s || !(internals.p instanceof Uint8Array))
      throw new LwError('corrupt', 'Internal: unexpected fflate version (Inflate state not found).');
    if (!(s.f && !s.l)) return new Uint8Array(0); // the inflater kept what it could not use yet
    // End of the DEFLATE stream: the rest starts at the next whole byte after the bit position.
    const rest = internals.p.subarray(((s.p ?? 0) + 7) >> 3);
    this.inflate = null;
    this.state = 'trailer';
    return rest;
  }

  private corrupt(msg: string): LwError {
    return new LwError('corrupt', `Corrupt: ${msg}.`);
  }
}

/** Length of the gzip member header at the start of `d`, -1 if incomplete; throws if it is not gzip. */
function headerLength(d: Uint8Array, membersBefore: number): number {
  const bad = (m: string) =>
    new LwError('corrupt', membersBefore ? `Corrupt: ${m} after gzip member ${membersBefore}.` : `Corrupt: ${m}.`);
  if (d.length >= 1 && d[0] !== 0x1f) throw bad('not a gzip stream (bad magic bytes)');
  if (d.length >= 2 && d[1] !== 0x8b) throw bad('not a gzip stream (bad magic bytes)');
  if (d.length >= 3 && d[2] !== 8) throw bad(`unknown gzip compression method ${d[2]}`);
  if (d.length < 10) return -1;
  const flg = d[3];
  if (flg & 0xe0) throw bad('reserved gzip header flags are set');
  let n = 10;
  if (flg & FEXTRA) {
    if (d.length < n + 2) return -1;
    n += 2 + (d[n] | (d[n + 1] << 8));
    if (d.length < n) return -1;
  }
  for (const f of [FNAME, FCOMMENT]) {
    if (!(flg & f)) continue;
    const z = d.indexOf(0, n);
    if (z < 0) return -1;
    n = z + 1;
  }
  if (flg & FHCRC) {
    if (d.length < n + 2) return -1;
    const want = d[n] | (d[n + 1] << 8);
    if ((crc32(d.subarray(0, n)) & 0xffff) !== want) throw bad('gzip header checksum mismatch');
    n += 2;
  }
  return n;
}

function readLE32(d: Uint8Array, i: number): number {
  return (d[i] | (d[i + 1] << 8) | (d[i + 2] << 16) | (d[i + 3] << 24)) >>> 0;
}


