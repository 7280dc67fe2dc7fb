// Bounds on what one hostile input may cost: entries and metadata memory per listing, and how far a layer may
// expand when decompressed. Generous defaults; the CLI raises them with --max-entries / --max-metadata, the page
// and tests with setLimits(). Past a bound the work ends with a typed error (`too-large`) instead of a V8 crash.

import { LwError } from './errors';

export interface Limits {
  /** Entries one listing (a layer, the outer archive) may hold. */
  maxEntries: number;
  /** Estimated bytes of names and per-entry records one listing may hold. */
  maxMetadata: number;
  /** A layer that decompresses to more than this many times its stored size (and past minExpanded) is suspicious. */
  maxExpansionRatio: number;
  /** Absolute ceiling on the uncompressed bytes of one layer or outer archive. */
  maxExpanded: number;
  /** The ratio only counts past this many uncompressed bytes (small layers of text compress very well). */
  minExpanded: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxEntries: 4_000_000,
  maxMetadata: 768 * 1024 * 1024,
  maxExpansionRatio: 100,
  maxExpanded: 64 * 1024 ** 3,
  minExpanded: 256 * 1024 * 1024,
});

const current: Limits = { ...DEFAULT_LIMITS };

export function limits(): Readonly<Limits> {
  return current;
}

/** Changes some limits for this engine instance (the CLI process, the page's worker); returns the old ones. */
export function setLimits(l: Partial<Limits>): Limits {
  const old = { ...current };
  for (const [k, v] of Object.entries(l) as [keyof Limits, number | undefined][]) {
    if (v === undefined) continue;
    if (!(v > 0)) throw new LwError('invalid-argument', `The limit ${k} must be a positive number, not ${v}.`);
    current[k] = v;
  }
  return old;
}

/** Rough heap cost of one kept entry record beyond its strings (object, map slot, numbers). */
export const ENTRY_OVERHEAD = 120;

/** Counts what one listing keeps; throws `too-large` naming the limit and how to raise it. */
export class Budget {
  entries = 0;
  bytes = 0;
  constructor(
    private readonly what: string,
    private readonly l: Readonly<Limits> = current,
  ) {}

  /** One more entry holding these strings (UTF-16 in memory: 2 bytes a char). */
  add(...strings: string[]): void {
    let b = ENTRY_OVERHEAD;
    for (const s of strings) b += 2 * s.length;
    this.entries++;
    this.bytes += b;
    if (this.entries > this.l.maxEntries)
      throw new LwError(
        'too-large',
        `${this.what} holds more than ${this.l.maxEntries} entries, the limit. If you trust it, raise the limit with --max-entries N (the engine option maxEntries).`,
      );
    if (this.bytes > this.l.maxMetadata)
      throw new LwError(
        'too-large',
        `The names and records of ${this.what} need more than ${mib(this.l.maxMetadata)} of memory (after ${this.entries} entries), the limit. If you trust it, raise the limit with --max-metadata MiB (the engine option maxMetadata).`,
      );
  }
}

function mib(n: number): string {
  return `${Math.round(n / 1024 / 1024)} MiB`;
}
