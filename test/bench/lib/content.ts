// Synthetic file content for benchmark layers: incompressible bytes (xorshift128, ~1 GB/s) and compressible
// text-like bytes (random words, ~3-4x with gzip -6), so the layers compress like real filesystems do.

const WORDS = (
  'the of and to in is for on that by this with you it not or be are from at as your all have new more an was we ' +
  'will home can us about if page my has search free but our one other do no information time they site he up may ' +
  'what which their news out use any there see only so his when contact here business who web also now help get pm ' +
  'view online first am been would how were me services some these click its like service than find price date back ' +
  'top people had list name just over state year day into email two health world next used go work last most products ' +
  'music buy data make them should product system post her city add policy number such please available copyright ' +
  'support message after best software then jan good video well where info rights public books high school through'
).split(' ');

export class Content {
  private x = 123456789;
  private y = 362436069;
  private z = 521288629;
  private w = 88675123;
  constructor(seed: number) {
    this.w ^= seed;
    for (let i = 0; i < 16; i++) this.u32();
  }
  private u32(): number {
    const t = this.x ^ (this.x << 11);
    this.x = this.y;
    this.y = this.z;
    this.z = this.w;
    this.w = (this.w ^ (this.w >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    return this.w;
  }
  int(n: number): number {
    return this.u32() % n;
  }
  random(n: number): Uint8Array {
    const words = new Uint32Array(Math.ceil(n / 4));
    for (let i = 0; i < words.length; i++) words[i] = this.u32();
    return new Uint8Array(words.buffer, 0, n);
  }
  text(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let o = 0;
    let col = 0;
    while (o < n) {
      const w = WORDS[this.u32() % WORDS.length];
      for (let i = 0; i < w.length && o < n; i++) out[o++] = w.charCodeAt(i);
      if (o < n) out[o++] = (col += w.length + 1) > 72 ? ((col = 0), 10) : 32;
    }
    return out;
  }
  /** `size` bytes in chunks of at most 1 MiB. */
  *chunks(size: number, kind: 'random' | 'text'): Generator<Uint8Array> {
    for (let done = 0; done < size; ) {
      const n = Math.min(1 << 20, size - done);
      yield kind === 'random' ? this.random(n) : this.text(n);
      done += n;
    }
  }
}
