// build: base image + app rootfs tarball(s) → a new image (issue 4; the Yocto patch's multi-layer build).

import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import type { CliCommand } from '../command';
import { formatBytes, parseLevel } from '../context';
import { LwError } from '../../engine/index';
import { openPath } from '../../platform/node';
import { build } from '../../engine/index';
import { parseSourceDateEpoch, type BuildSettings } from '../../engine/index';
import { toOciMediaTypes, writeDockerArchive, writeOciArchive } from '../../engine/index';
import { refuseOutputOverInput } from '../safety';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const list = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.map(String) : undefined);

export const command: CliCommand = {
  usage:
    'build [--base IMAGE [--base-tag T]] --rootfs TAR [--rootfs TAR…] [--tag T…] [--cmd S] [--entrypoint S] ' +
    '[--entrypoint-args S] [--env K=V…] [--label K=V…] [--port P…] [--user U] [--workdir D] [--stop-signal S] ' +
    '[--author A] [--os O] [--arch A] [--variant V] [--source-date-epoch N] [--usrmerge-carry | --no-usrmerge-carry] [--split RULES] ' +
    '[--level N] -o OUT.tar [--format oci|docker]',
  summary: 'Layer app rootfs tarball(s) onto a base image (or scratch)',
  help: [
    'Defaults: --cmd "/bin/sh", no entrypoint, tag "latest". An empty value (--cmd "") keeps the base\'s field.',
    'CMD/ENTRYPOINT are split with POSIX shell quoting; --entrypoint-args (legacy) wins over --cmd.',
    '--rootfs takes tar, tar.gz or tar.zst (as `tar -C rootfs -c .` makes it); each one becomes a layer.',
    '--usrmerge-carry: when the app turns a base directory into a symlink (bin -> usr/bin), the base files',
    '  move into the target inside the new layer, so /bin/sh keeps working; and an app directory where the base',
    '  has a directory symlink (lib/ over lib -> usr/lib) is written through the link. Conflicts are listed.',
    '  Without either flag it is on exactly when the image\'s command (its #! interpreter, its dynamic loader)',
    '  would otherwise be hidden and `docker run` would fail; --no-usrmerge-carry keeps it off.',
    '--drop-identical: leave out app files equal to the base. --split "libs:/usr/lib app:/opt/x": a layer per rule.',
    '--platform os/arch[/variant] picks the base in a multi-platform archive. SOURCE_DATE_EPOCH in the',
    '  environment is used when --source-date-epoch is not given. --json prints the result summary.',
    '--level N: gzip level 0-9 of the new layers (default 6; 1 is faster, a little larger).',
  ].join('\n'),
  options: {
    base: { type: 'string' },
    level: { type: 'string' },
    'base-tag': { type: 'string' },
    platform: { type: 'string' },
    rootfs: { type: 'string', multiple: true },
    tag: { type: 'string', multiple: true },
    cmd: { type: 'string' },
    entrypoint: { type: 'string' },
    'entrypoint-args': { type: 'string' },
    env: { type: 'string', multiple: true },
    label: { type: 'string', multiple: true },
    port: { type: 'string', multiple: true },
    user: { type: 'string' },
    workdir: { type: 'string' },
    'stop-signal': { type: 'string' },
    author: { type: 'string' },
    os: { type: 'string' },
    arch: { type: 'string' },
    variant: { type: 'string' },
    'source-date-epoch': { type: 'string' },
    revision: { type: 'string' },
    'ref-name': { type: 'string' },
    'no-auto-labels': { type: 'boolean' },
    'usrmerge-carry': { type: 'boolean' },
    'no-usrmerge-carry': { type: 'boolean' },
    'drop-identical': { type: 'boolean' },
    split: { type: 'string' },
    output: { type: 'string', short: 'o' },
    format: { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: [0, 0],
  async run({ values: v }, ctx) {
    const out = str(v.output);
    if (!out) throw new LwError('invalid-argument', 'build needs -o OUT.tar.', { field: 'output' });
    const env = { ...ctx.env, gzipLevel: parseLevel(v.level) };
    const format = str(v.format) ?? 'oci';
    if (format !== 'oci' && format !== 'docker') throw new LwError('invalid-argument', `--format is oci or docker, not ${format}.`, { field: 'format' });
    const rootfsPaths = list(v.rootfs) ?? [];
    if (!rootfsPaths.length) throw new LwError('invalid-argument', 'build needs at least one --rootfs TAR.', { field: 'rootfs' });
    await refuseOutputOverInput(out, [...rootfsPaths, str(v.base)]);
    const rootfs: Blob[] = [];
    for (const p of rootfsPaths) {
      const b = await openPath(p);
      if (!(b instanceof Blob)) throw new LwError('invalid-argument', `--rootfs ${p} is a folder; give a tarball (tar -C DIR -c .).`, { field: 'rootfs' });
      rootfs.push(b);
    }
    const settings: BuildSettings = {
      cmd: str(v.cmd),
      entrypoint: str(v.entrypoint),
      entrypointArgs: str(v['entrypoint-args']),
      env: list(v.env),
      labels: list(v.label),
      ports: list(v.port),
      user: str(v.user),
      workdir: str(v.workdir),
      stopSignal: str(v['stop-signal']),
      author: str(v.author),
      os: str(v.os),
      architecture: str(v.arch),
      variant: str(v.variant),
      tags: list(v.tag),
      sourceDateEpoch: parseSourceDateEpoch(str(v['source-date-epoch']) ?? process.env.SOURCE_DATE_EPOCH),
      autoLabels: !v['no-auto-labels'],
      revision: str(v.revision),
      refName: str(v['ref-name']),
      usrmergeCarry: v['usrmerge-carry'] ? true : v['no-usrmerge-carry'] ? false : undefined,
      dropIdentical: !!v['drop-identical'],
      split: str(v.split),
    };
    const basePath = str(v.base);
    if (!basePath && str(v['base-tag'])) throw new LwError('invalid-argument', '--base-tag needs --base.', { field: 'baseTag' });
    if (basePath && !existsSync(basePath) && /^[\w.-]+(:\d+)?\/|:[\w.-]+$|^[a-z0-9.-]+$/.test(basePath))
      // The Yocto patch refuses registry references too: layerwright only reads files, it never goes online.
      throw new LwError(
        'invalid-argument',
        `--base ${basePath} is not a file or folder. layerwright reads images from disk and never downloads; if this is a registry ` +
          `reference, save it first, e.g. \`skopeo copy docker://${basePath} oci-archive:base.tar\` or \`docker save -o base.tar ${basePath}\`.`,
        { field: 'base' },
      );
    const base = basePath ? await ctx.openImage(basePath) : undefined;
    const platform = str(v.platform);
    const [os, architecture, variant] = platform ? platform.split('/') : [];
    const res = await build(
      {
        base,
        baseTag: str(v['base-tag']),
        basePlatform: platform ? { os, architecture, variant } : undefined,
        baseName: basePath ? `${basename(basePath)}${str(v['base-tag']) ? `:${str(v['base-tag'])}` : ''}` : undefined,
        rootfs,
        rootfsNames: rootfsPaths.map((p) => basename(p)),
        settings,
      },
      env,
      ctx.opts('build'),
    );
    const blob = format === 'docker' ? await writeDockerArchive(res.out, { scratch: env.scratch, encoder: env, onWarning: (m) => ctx.err(`warning: ${m}`) }) : writeOciArchive(await toOciMediaTypes(res.out));
    await ctx.writeOutput(blob, out, 'write');
    if (v.json) {
      const { out: _o, ...summary } = res;
      void _o;
      ctx.outJson({ output: out, format, bytes: blob.size, ...summary });
      return 0;
    }
    ctx.out(`Built ${res.tags.join(', ')}: manifest ${res.manifest.digest}`);
    if (res.base) ctx.out(`  base     ${res.base.tag ?? '(untagged)'} [${res.base.platform}] ${res.base.digest}, ${res.base.layers} layer(s) reused`);
    for (const l of res.layers) ctx.out(`  layer    ${l.digest}  ${formatBytes(l.size).padStart(9)}  ${l.entries} entries  (${l.createdBy.replace('layerwright build: ', '')})`);
    if (res.replacedDirs.length) ctx.out(`  replaced base directories by symlinks (no whiteouts): ${res.replacedDirs.join(', ')}`);
    if (res.carryReason) ctx.out(`  carry-over on by default: ${res.carryReason}`);
    for (const c of res.carriedDirs) ctx.out(`  carried  ${c.from}/ → ${c.to}/: ${c.carried} entries`);
    for (const r of res.redirected) ctx.out(`  kept base symlink ${r.from}: the app's ${r.from}/ was written into ${r.to}/`);
    if (res.dropped) ctx.out(`  dropped  ${res.dropped} entries identical to the base`);
    for (const c of res.conflicts) ctx.err(`conflict: ${c.message}`);
    for (const w of res.warnings) ctx.err(`warning[${w.code}]: ${w.message}`);
    ctx.out(`Wrote ${out} (${format === 'docker' ? 'docker-archive' : 'OCI archive'}, ${formatBytes(blob.size)})`);
    return 0;
  },
};
