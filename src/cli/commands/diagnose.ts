// diagnose IMAGE [--json]: layer and layout problems with what real engines will do with them.
// Exit status: 1 when any problem has severity "error" (the image will fail or lose files in a real engine),
// 0 otherwise (warnings and info only, or nothing), 2 when the image cannot be opened.

import type { CliCommand } from '../command';
import { diagnoseDetailed, hasErrors, type Problem } from '../../engine/index';

/** The --json form of a problem: stable fields only (no internal entry ordinals). */
export function problemJson(p: Problem): Record<string, unknown> {
  const o: Record<string, unknown> = { code: p.code, severity: p.severity };
  if (p.image !== undefined) o.image = p.image;
  if (p.layer !== undefined) o.layer = p.layer;
  if (p.blob !== undefined) o.blob = p.blob;
  if (p.paths?.length) {
    o.path = p.paths[0];
    o.paths = p.paths;
  }
  if (p.expected !== undefined) o.expected = p.expected;
  if (p.actual !== undefined) o.actual = p.actual;
  o.message = p.message;
  if (p.fix) o.fix = p.fix;
  return o;
}

export const command: CliCommand = {
  usage: 'diagnose IMAGE [--json]',
  summary: 'List layer and layout problems and what Docker/containerd will do with them',
  help:
    '--json prints an array of {code, severity, image, layer, blob, path, paths, message, fix}.\n' +
    'Exit status: 1 when any problem is an error, 0 when there are only warnings/info or none, 2 on failure.',
  options: { json: { type: 'boolean' } },
  positionals: [1, 1],
  async run({ values, positionals }, ctx) {
    const archive = await ctx.openImage(positionals[0]);
    const r = await diagnoseDetailed(archive, ctx.opts('diagnose'));
    if (values.json) {
      ctx.outJson(r.problems.map(problemJson));
      return hasErrors(r.problems) ? 1 : 0;
    }
    for (const p of r.problems) {
      const where = [p.image !== undefined && archive.images.length > 1 ? `image ${p.image}` : '', p.layer !== undefined ? `layer ${p.layer}` : '']
        .filter(Boolean)
        .join(' ');
      ctx.out(`${p.severity.toUpperCase()} [${p.code}]${where ? ' ' + where : ''}: ${p.message}${p.fix ? `  (fix: ${p.fix})` : ''}`);
    }
    const n = (s: string) => r.problems.filter((p) => p.severity === s).length;
    ctx.out(
      r.problems.length === 0
        ? `OK: no problems in ${r.layers.length} layer${r.layers.length === 1 ? '' : 's'} (${(r.ms / 1000).toFixed(1)} s)`
        : `${n('error')} error(s), ${n('warning')} warning(s), ${n('info')} info in ${r.layers.length} layers (${(r.ms / 1000).toFixed(1)} s)` +
            (r.problems.some((p) => p.fix) ? ` — run \`fix\` to repair what can be repaired` : ''),
    );
    return hasErrors(r.problems) ? 1 : 0;
  },
};
