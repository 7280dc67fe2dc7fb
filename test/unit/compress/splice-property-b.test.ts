// Deflate splicing, property test part 2 of 2 (cases in splice-cases.ts): seeds 1500..2999.
import { describe, expect, it } from 'vitest';
import { runSpliceCases } from './splice-cases';

describe('deflate splicing over sources from many encoders, random edits (seeds 1500-2999)', () => {
  it('decodes to exactly the edited bytes, passes gzip -t, same bytes for any push sizes', async () => {
    const t = await runSpliceCases(1500, 3000);
    expect(t.failures.slice(0, 5)).toEqual([]);
    expect(t.cases).toBe(1500);
    // Splicing really copied: a good share of the unchanged bytes came from the sources' own blocks.
    expect(t.copied).toBeGreaterThan(t.deflated / 10);
  }, 900_000);
});
