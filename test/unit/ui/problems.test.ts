import { describe, expect, it } from 'vitest';
import { codeSegments, groupProblems, repairLabel, verdict } from '../../../src/ui/problems';
import type { ProblemView } from '../../../src/protocol';

const p = (over: Partial<ProblemView>): ProblemView => ({ code: 'duplicate-path', severity: 'warning', message: 'm', ...over }) as ProblemView;

describe('Problems panel wording', () => {
  it('says Docker refuses, naming the whiteouts and their directory', () => {
    const v = verdict([
      p({ code: 'whiteout-without-target', severity: 'info' }),
      p({ code: 'whiteout-under-non-directory', severity: 'error', layer: 2, paths: ['bin/.wh.cat', 'bin/.wh.ls', 'bin/.wh.sh'] }),
    ]);
    expect(v).toEqual({ tone: 'bad', text: 'Docker will refuse this image: 3 whiteouts under `bin`' });
  });

  it('counts the other errors, and falls back to warnings, notes and none', () => {
    expect(
      verdict([
        p({ code: 'whiteout-under-non-directory', severity: 'error', paths: ['bin/.wh.a'] }),
        p({ code: 'command-hidden', severity: 'error' }),
        p({ code: 'unsafe-path', severity: 'error' }),
      ]).text,
    ).toBe('Docker will refuse this image: 1 whiteout under `bin` (and 2 more errors)');
    expect(verdict([p({ code: 'duplicate-path' }), p({ code: 'duplicate-path' })])).toEqual({
      tone: 'warn',
      text: 'Engines will load this image, with 2 warnings: the same path twice in a layer',
    });
    expect(verdict([p({ code: 'unreferenced-blob', severity: 'info' })])).toEqual({ tone: 'ok', text: 'No problems (1 note)' });
    expect(verdict([])).toEqual({ tone: 'ok', text: 'No problems' });
  });

  it('groups by kind with a count, errors first, every path kept once', () => {
    const paths = Array.from({ length: 70 }, (_, i) => `usr/lib/f${i}`);
    const groups = groupProblems([
      p({ code: 'unreferenced-blob', severity: 'info' }),
      p({ code: 'duplicate-path', layer: 3, paths: paths.slice(0, 40) }),
      p({ code: 'unsafe-path', severity: 'error', layer: 1 }),
      p({ code: 'duplicate-path', layer: 1, paths: paths.slice(30) }),
    ]);
    expect(groups.map((g) => [g.severity, g.code, g.count])).toEqual([
      ['error', 'unsafe-path', 1],
      ['warning', 'duplicate-path', 2],
      ['info', 'unreferenced-blob', 1],
    ]);
    expect(groups[1].layers).toEqual([1, 3]);
    expect(groups[1].paths).toEqual(paths); // all 70, none cut, no duplicates from the overlap
  });

  it('splits code spans out of text so no backtick reaches the screen', () => {
    expect(codeSegments('Layer 2 replaces `bin` with `usr/bin`.')).toEqual([
      { code: false, text: 'Layer 2 replaces ' },
      { code: true, text: 'bin' },
      { code: false, text: ' with ' },
      { code: true, text: 'usr/bin' },
      { code: false, text: '.' },
    ]);
    // An unmatched backtick stays literal text.
    expect(codeSegments('a `b` c ` d')).toEqual([
      { code: false, text: 'a ' },
      { code: true, text: 'b' },
      { code: false, text: ' c ` d' },
    ]);
    expect(codeSegments('plain')).toEqual([{ code: false, text: 'plain' }]);
  });

  it('names every repair in words', () => {
    expect(repairLabel('drop-redundant-whiteouts')).toBe('Remove the redundant whiteouts');
    expect(repairLabel('fix-diff-ids')).toContain('diff_ids');
    expect(repairLabel('something-new')).toBe('something-new');
  });
});
