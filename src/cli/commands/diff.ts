// diff IMAGE_A IMAGE_B [--json]: what container-diff tells, offline — the paths added, removed and changed from the
// merged filesystem of A to that of B (ops/explore/compare.ts). `--upto-a N` / `--upto-b N` compare the merged
// filesystem after layer N instead of after all layers (the same file twice compares two layers of one image).

import type { CliCommand } from '../command';
import { LwError, throwIfAborted, compareFilesystems, compareSide, describeDiff } from '../../engine/index';
import { formatBytes } from '../../engine/units';

function intOption(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  const s = String(v);
  if (!/^\d+$/.test(s)) throw new LwError('invalid-argument', `--${name} takes a number (0 = the first), not "${s}".`, { field: name });
  return Number(s);
}

/** Control characters shown as escapes, so a hostile name cannot rewrite the terminal. */
const shown = (s: string) => s.replace(/[\u0000-\u001f\u007f\\]/g, (c) => (c === '\\' ? '\\\\' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));

export const command: CliCommand = {
  usage: 'diff IMAGE_A IMAGE_B [--image-a N] [--image-b N] [--upto-a N] [--upto-b N] [--json]',
  summary: 'Compare two images (or two layers of one): paths added, removed and changed',
  help:
    'Compares the merged filesystem of IMAGE_A (before) with that of IMAGE_B (after). Lines start with + (added),\n' +
    '- (removed) or ~ (changed, with what changed: type, size, mode, owner, link target, mtime, content). Content\n' +
    'is known to be the same only for the same entry of the same layer blob, and to differ when the size does;\n' +
    'otherwise a file with equal metadata in another blob is "written again (content not compared)".\n' +
    '--image-a/--image-b N pick an image of a multi-image archive; --upto-a/--upto-b N stop after layer N.\n' +
    '--json prints {added, changed, removed, unchanged, addedBytes, removedBytes, changedBytes, diffs}.\n' +
    'Exit code 0 when nothing differs, 1 when something does.',
  options: {
    'image-a': { type: 'string' },
    'image-b': { type: 'string' },
    'upto-a': { type: 'string' },
    'upto-b': { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: [2, 2],
  async run({ values, positionals }, ctx) {
    const side = async (which: 'a' | 'b', path: string) => {
      const archive = await ctx.openImage(path);
      return compareSide(archive, intOption(values[`image-${which}`], `image-${which}`) ?? 0, intOption(values[`upto-${which}`], `upto-${which}`), ctx.opts(`merging ${path}`));
    };
    const r = compareFilesystems(await side('a', positionals[0]), await side('b', positionals[1]));
    if (values.json) {
      ctx.outJson(r);
      return r.diffs.length ? 1 : 0;
    }
    for (let i = 0; i < r.diffs.length; i++) {
      const d = r.diffs[i];
      const mark = d.kind === 'added' ? '+' : d.kind === 'removed' ? '-' : '~';
      ctx.out(`${mark} ${shown(d.path)}${d.type === 'dir' ? '/' : ''}${d.kind === 'changed' ? `  [${describeDiff(d)}]` : ''}`);
      if (i % 4096 === 4095) {
        await ctx.drain();
        throwIfAborted(ctx.signal);
      }
    }
    ctx.out(
      `${r.added} added (${formatBytes(r.addedBytes)}), ${r.changed} changed (${formatBytes(r.changedBytes)}), ` +
        `${r.removed} removed (${formatBytes(r.removedBytes)}); ${r.unchanged} unchanged`,
    );
    return r.diffs.length ? 1 : 0;
  },
};
