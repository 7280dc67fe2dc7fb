// fix IMAGE -o OUT.tar [--format oci|docker] [--only ID[,ID...]] [--json]
// Diagnoses, lists the repairs, applies them, writes the result. The input file is only ever read. The output is
// written under a temporary name and renamed when complete (ctx.writeOutput): a failed or cancelled run never
// leaves a partial OUT.tar. Exit status: 0 written and no error-severity problem left unrepaired; 1 written but
// some errors have no safe repair (they are listed); 2 failure.

import type { CliCommand } from '../command';
import { LwError } from '../../engine/index';
import { diagnose, type Problem } from '../../engine/index';
import { defaultRepairs, fix, planFix, type RepairId } from '../../engine/index';
import { toOciMediaTypes, writeDockerArchive, writeOciArchive } from '../../engine/index';
import { formatBytes, parseLevel } from '../context';
import { refuseOutputOverInput } from '../safety';

export const command: CliCommand = {
  usage: 'fix IMAGE -o OUT.tar [--format oci|docker] [--carry-over] [--only IDS] [--level N] [--json]',
  summary: 'Repair what diagnose finds (merged-usr whiteouts, duplicates, descriptors...) and write a new archive',
  help:
    '--format oci (default) writes an OCI archive (skopeo oci-archive:, podman load, containerd import);\n' +
    '--format docker adds manifest.json for `docker load` (Docker 20.10+).\n' +
    'By default every repair except the optional ones runs. --carry-over also runs carry-over-hidden-files:\n' +
    'lower files hidden by a symlink over their directory (the base\'s /bin/sh under the app\'s bin -> usr/bin)\n' +
    'are copied into the symlink\'s target, as Debian\'s usrmerge does. When the image\'s own command is among\n' +
    'them (command-hidden: `docker run` would fail), carry-over-hidden-files runs by default; --only\n' +
    'drop-redundant-whiteouts gives the plain fix.\n' +
    '--only runs exactly the given comma-separated ids (drop-redundant-whiteouts, drop-duplicates,\n' +
    'drop-bare-whiteouts, drop-unsafe-entries, carry-over-hidden-files, fix-descriptors, fix-diff-ids, gc).\n' +
    '--level N: gzip level 0-9 of the rewritten layers (default 6; 1 is faster, a little larger).\n' +
    'Exit status: 0 written and no error left unrepaired, 1 written but errors without a safe repair remain, 2 failure.',
  options: {
    output: { type: 'string', short: 'o' },
    format: { type: 'string', default: 'oci' },
    only: { type: 'string' },
    'carry-over': { type: 'boolean' },
    level: { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: [1, 1],
  async run({ values, positionals }, ctx) {
    const output = values.output as string | undefined;
    if (!output) throw new LwError('invalid-argument', 'fix needs -o OUT.tar (where to write the repaired image).');
    const format = values.format as string;
    if (format !== 'oci' && format !== 'docker') throw new LwError('invalid-argument', `--format must be oci or docker, not "${format}".`);
    await refuseOutputOverInput(output, [positionals[0]]);
    const env = { ...ctx.env, gzipLevel: parseLevel(values.level) };
    const archive = await ctx.openImage(positionals[0]);
    const problems = await diagnose(archive, ctx.opts('diagnose'));
    const planned = planFix(archive, problems);
    let repairs = defaultRepairs(planned);
    if (values['carry-over']) repairs = planned.filter((r) => !r.optional || r.id === 'carry-over-hidden-files');
    if (values.only) {
      const ids = String(values.only).split(',').map((s) => s.trim()) as RepairId[];
      repairs = planned.filter((r) => ids.includes(r.id));
    }
    for (const r of planned) if (!repairs.includes(r)) (values.json ? ctx.err : ctx.out)(`not chosen ${r.id}: ${r.description}`);
    const log = (line: string) => (values.json ? ctx.err(line) : ctx.out(line));
    if (repairs.length === 0) log('Nothing to repair; writing the image unchanged.');
    for (const r of repairs) log(`repair ${r.id}: ${r.description}`);

    const result = await fix(archive, repairs, env, ctx.opts('fix'));
    const blob = format === 'docker' ? await writeDockerArchive(result.out, { scratch: env.scratch, encoder: env, signal: ctx.opts('write').signal, onWarning: (m) => ctx.err(`warning: ${m}`) }) : writeOciArchive(await toOciMediaTypes(result.out));
    await ctx.writeOutput(blob, output, 'write');

    const fixedIds = new Set(repairs.map((r) => r.id));
    const left: Problem[] = problems.filter((p) => p.severity === 'error' && !(p.fix && fixedIds.has(p.fix)));
    if (values.json) {
      ctx.outJson({
        output,
        format,
        size: blob.size,
        repairs: repairs.map(({ id, description, targets, codes, problems: n }) => ({ id, description, targets, codes, problems: n })),
        rewritten: result.rewritten,
        warnings: result.warnings,
        unrepaired: left.map((p) => ({ code: p.code, severity: p.severity, layer: p.layer, blob: p.blob, message: p.message })),
      });
    } else {
      for (const r of result.rewritten) {
        const what = r.kind === 'layer' ? `layer ${r.layer}` : r.kind;
        ctx.out(`${what.padEnd(9)} ${r.before.digest} (${formatBytes(r.before.size)}) -> ${r.after.digest} (${formatBytes(r.after.size)})${r.dropped ? `, ${r.dropped} entries dropped` : ''}`);
      }
      for (const w of result.warnings) ctx.out(`warning: ${w}`);
      for (const p of left) ctx.out(`NOT REPAIRED [${p.code}]${p.layer !== undefined ? ` layer ${p.layer}` : ''}: ${p.message}`);
      ctx.out(`Wrote ${output} (${format === 'docker' ? 'docker-archive' : 'OCI archive'}, ${formatBytes(blob.size)}) in ${(result.ms / 1000).toFixed(1)} s.`);
    }
    return left.length ? 1 : 0;
  },
};
