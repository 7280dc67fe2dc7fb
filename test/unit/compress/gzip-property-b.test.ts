// Half of the encoder's property test (seeds 2500–4999); the other half is in gzip-property-a.test.ts so the
// two run on two cores. Cases and checks: property.ts.
import { describe, expect, it } from 'vitest';
import { realTar, runCases } from './property';

describe('gzip encoder property test, seeds 2500–4999', () => {
  realTar();
  for (let batch = 2500; batch < 5000; batch += 500) {
    it(`seeds ${batch}–${batch + 499}: every output decodes with zlib to its input`, async () => {
      const { failures, bytes } = await runCases(batch, batch + 500);
      expect(failures).toEqual([]);
      expect(bytes).toBeGreaterThan(500 * 20_000); // the cases really are layer-sized slices, not trivia
    }, 240_000);
  }
});
