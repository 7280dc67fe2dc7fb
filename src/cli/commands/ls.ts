// ls IMAGE [--layer N | --merged] [--image N] [--json]: what is inside a layer, or the merged filesystem, as
// `ls -l`-like lines or JSON rows (ops/files). Whiteouts are marked with what they delete.

import type { CliCommand } from '../command';
import { LwError, throwIfAborted } from '../../engine/index';
import { listLayer, mergedView, modeString, pathMatcher, type FileEntry, type MergedEntry } from '../../engine/index';

function intOption(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  const s = String(v);
  if (!/^\d+$/.test(s)) throw new LwError('invalid-argument', `--${name} takes a number (0 = the first), not "${s}".`, { field: name });
  return Number(s);
}

/** Control characters shown as escapes (like `ls -b`), so a hostile name cannot rewrite the terminal. */
function shown(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f\\]/g, (c) => (c === '\\' ? '\\\\' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

function when(s: number): string {
  const d = new Date(s * 1000);
  return Number.isNaN(d.getTime()) ? String(s) : d.toISOString().slice(0, 16).replace('T', ' ');
}

function line(e: FileEntry | MergedEntry, layerCol: boolean): string {
  const owner = `${e.uid}/${e.gid}`.padEnd(11);
  const size = String(e.size).padStart(10);
  const layer = layerCol ? `${'implied' in e && e.implied ? '-' : String((e as MergedEntry).layer)}`.padStart(3) + '  ' : '';
  const path = e.path === '' ? '.' : shown(e.path) + (e.type === 'dir' ? '/' : '');
  let tail = '';
  if (e.type === 'symlink') tail = ` -> ${shown(e.linkpath)}`;
  else if (e.type === 'hardlink') tail = ` link to ${shown(e.linkpath)}`;
  const f = e as FileEntry;
  if (f.whiteout === 'file') tail += `  [whiteout: deletes ${shown(f.target ?? '')}]`;
  else if (f.whiteout === 'opaque') tail += `  [opaque whiteout: hides lower ${shown(f.target || '.')}/*]`;
  if (f.pathProblem) tail += `  [${f.pathProblem}]`;
  return `${layer}${modeString(e.type, e.mode)} ${owner}${size} ${when(e.mtime)} ${path}${tail}`;
}

export const command: CliCommand = {
  usage: 'ls IMAGE [--layer N | --merged] [--image N] [--glob PATTERN] [--json]',
  summary: 'List the files of a layer, or of the merged filesystem',
  help:
    '--layer N lists layer N (0 = the bottom layer) in archive order, whiteouts marked with what they delete.\n' +
    '--merged (the default) lists what a container sees after all layers, each path with the layer it comes from.\n' +
    '--image N picks an image of a multi-image archive (0 = the first).\n' +
    '--glob PATTERN keeps the paths the Files view\'s filter would: a leading / ignored, *.conf by base name at any\n' +
    '  depth, etc/*.conf or **/*.so* against the whole path, plain text as a substring (a whiteout by what it deletes too).\n' +
    '--json prints rows {path, type, size, mode, uid, gid, mtime, linkpath, whiteout?, target?, layer?}.',
  options: {
    layer: { type: 'string' },
    merged: { type: 'boolean' },
    image: { type: 'string' },
    glob: { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: [1, 1],
  async run({ values, positionals }, ctx) {
    const layer = intOption(values.layer, 'layer');
    const image = intOption(values.image, 'image') ?? 0;
    if (layer !== undefined && values.merged) throw new LwError('invalid-argument', 'Use --layer N or --merged, not both.');
    const archive = await ctx.openImage(positionals[0]);
    let rows: (FileEntry | MergedEntry)[] =
      layer === undefined
        ? await mergedView(archive, image, undefined, ctx.opts('merging layers'))
        : await listLayer(archive, image, layer, ctx.opts(`reading layer ${layer}`));
    const match = values.glob === undefined ? undefined : pathMatcher(String(values.glob));
    if (match) rows = rows.filter((r) => match(r.path) || ('whiteout' in r && r.whiteout === 'file' && r.target !== undefined && match(r.target)));
    if (values.json) {
      ctx.outJson(rows);
      return 0;
    }
    for (let i = 0; i < rows.length; i++) {
      ctx.out(line(rows[i], layer === undefined));
      if (i % 4096 === 4095) {
        await ctx.drain();
        throwIfAborted(ctx.signal); // the reader went away (`| head`): stop
      }
    }
    return 0;
  },
};
