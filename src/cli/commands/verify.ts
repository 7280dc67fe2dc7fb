// verify IMAGE [--json]: every blob's size and digest, every layer's diff_id. Exit 1 when anything is wrong.

import type { CliCommand } from '../command';
import { verify } from '../../engine/index';

export const command: CliCommand = {
  usage: 'verify IMAGE [--json]',
  summary: "Check every blob's size and digest and every layer's diff_id",
  options: { json: { type: 'boolean' } },
  positionals: [1, 1],
  async run({ values, positionals }, ctx) {
    const archive = await ctx.openImage(positionals[0]);
    const result = await verify(archive, ctx.opts('verify'));
    if (values.json) {
      ctx.outJson(result);
      return result.ok ? 0 : 1;
    }
    for (const p of result.problems) {
      const where = p.layer !== undefined ? ` layer ${p.layer}` : '';
      ctx.out(`FAIL [${p.code}]${where} ${p.blob}: ${p.message}`);
    }
    const mb = `${(result.bytes / 1e6).toFixed(2)} MB`;
    if (result.ok) ctx.out(`OK: ${result.blobs} blobs, ${mb} verified in ${(result.ms / 1000).toFixed(1)} s`);
    else ctx.out(`FAILED: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'} in ${result.blobs} blobs (${mb} read)`);
    return result.ok ? 0 : 1;
  },
};
