// What layerwright still gets wrong on the conformance corpus, per item and check, with the reason (which class
// of issue 8 it belongs to, or why the item is really broken). A check listed here must fail (containing `match`
// when given); a check not listed must pass. When a fix changes an outcome, update this table with it.
import type { Check } from './checks';

export interface Expected {
  why: string;
  /** A substring the failure must contain (e.g. the problem code a really broken image must be reported with). */
  match?: string;
}

export const EXPECTED: Record<string, Partial<Record<Check, Expected>>> = {};
