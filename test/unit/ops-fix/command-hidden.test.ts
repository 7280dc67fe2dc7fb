// command-hidden: the image's own command (Entrypoint[0], else Cmd[0]) no longer resolves in the merged view
// because a symlink over a lower directory hid it; its repair (carry-over-hidden-files) then runs by default.
import { describe, expect, it } from 'vitest';
import { diagnose, type Problem } from '../../../src/engine/ops/diagnose';
import { defaultRepairs, fix, planFix } from '../../../src/engine/ops/fix';
import { memoryScratch } from '../../../src/engine/env';
import { openImage } from '../../../src/engine/oci/archive';
import { writeOciArchive } from '../../../src/engine/oci/write';
import { dir, file, layer, openBuilt, sym, type E } from '../layers/fixtures';
import { APP, BASE, elf } from './seedlike';

const env = { scratch: memoryScratch() };

/** The seed-like app layer without its own usr/bin/sh: the base's /bin/sh has no twin behind bin -> usr/bin. */
const APP_NO_SH = APP.filter((e) => e.path !== 'usr/bin/sh');
/** A clean merged-usr app layer (no whiteouts): only the symlink hides the base's bin/. */
const APP_CLEAN: E[] = [sym('bin', 'usr/bin'), dir('usr/'), dir('usr/bin/'), file('usr/bin/app', '#!/bin/sh\necho hi\n')];
/** The same with a program that needs nothing else (not a script, not a dynamic ELF). */
const APP_BIN: E[] = [...APP_CLEAN.filter((e) => e.path !== 'usr/bin/app'), file('usr/bin/app', 'a static program')];

async function problemsFor(layers: E[][], config?: { Cmd?: unknown; Entrypoint?: unknown; Env?: unknown }) {
  const built = await Promise.all(layers.map((l) => layer(l)));
  const { archive } = await openBuilt({
    layers: built,
    config: (c) => {
      if (config) c.config = { ...config };
    },
  });
  const problems = await diagnose(archive);
  return { archive, problems, hidden: problems.filter((p) => p.code === 'command-hidden') };
}

const codes = (ps: Problem[]) => [...new Set(ps.map((p) => p.code))];

describe('diagnose: command-hidden', () => {
  it('is raised when a symlink over a lower directory hides Cmd[0] (bin -> usr/bin hides /bin/sh)', async () => {
    const { hidden } = await problemsFor([BASE, APP_CLEAN], { Cmd: ['/bin/sh'] });
    expect(hidden).toHaveLength(1);
    expect(hidden[0]).toMatchObject({ severity: 'error', layer: 1, paths: ['/bin/sh'], fix: 'carry-over-hidden-files' });
    expect(hidden[0].message).toBe(
      "The image's command `/bin/sh` is hidden by layer 1's `bin -> usr/bin`: `docker run` will fail with " +
        '`exec: "/bin/sh": stat /bin/sh: no such file or directory`. Fix: carry the hidden files over (as usrmerge does).',
    );
  });

  it('is raised alongside the whiteout defect of the seed-like image when the app lacks the twin', async () => {
    const { problems, hidden } = await problemsFor([BASE, APP_NO_SH], { Cmd: ['/bin/sh', '-c', 'app'] });
    expect(hidden.map((p) => [p.layer, p.paths])).toEqual([[1, ['/bin/sh']]]);
    expect(codes(problems.filter((p) => p.severity === 'error')).sort()).toEqual(['command-hidden', 'whiteout-under-non-directory']);
  });

  it('follows symlinks: an absolute link target, and a command that is itself a link (sh -> busybox)', async () => {
    const base = [dir('bin/'), file('bin/busybox'), sym('bin/sh', 'busybox'), dir('usr/'), dir('usr/bin/')];
    const abs = await problemsFor([base, [sym('bin', '/usr/bin')]], { Cmd: ['/bin/sh'] });
    expect(abs.hidden.map((p) => p.message)).toEqual([expect.stringContaining("layer 1's `bin -> /usr/bin`")]);
    // The twin of the link exists but leads nowhere (usr/bin/busybox is missing): still hidden.
    const dangling = await problemsFor([base, [sym('bin', 'usr/bin'), dir('usr/'), dir('usr/bin/'), sym('usr/bin/sh', 'busybox')]], { Cmd: ['/bin/sh'] });
    expect(dangling.hidden).toHaveLength(1);
  });

  it('names the entrypoint when Entrypoint[0] is hidden, and Entrypoint wins over Cmd', async () => {
    const ep = await problemsFor([BASE, APP_CLEAN], { Entrypoint: ['/bin/bash'], Cmd: ['/usr/bin/app'] });
    expect(ep.hidden.map((p) => p.message)).toEqual([expect.stringMatching(/^The image's entrypoint `\/bin\/bash` is hidden/)]);
    const ok = await problemsFor([BASE, APP_BIN], { Entrypoint: ['/usr/bin/app'], Cmd: ['/bin/sh'] });
    expect(ok.hidden).toEqual([]);
    // An empty Entrypoint means "none": Cmd[0] is the command.
    const empty = await problemsFor([BASE, APP_CLEAN], { Entrypoint: [], Cmd: ['/bin/cat'] });
    expect(empty.hidden.map((p) => p.paths)).toEqual([['/bin/cat']]);
  });

  it('mentions the dynamic loader when the same layer hides it too', async () => {
    const base = [...BASE.filter((e) => e.path !== 'bin/sh'), file('bin/sh', elf('/lib64/ld-linux-x86-64.so.2')), dir('lib64/'), file('lib64/ld-linux-x86-64.so.2')];
    const { hidden } = await problemsFor([base, [...APP_CLEAN, sym('lib64', 'usr/lib64'), dir('usr/lib64/')]], { Cmd: ['/bin/sh'] });
    expect(hidden[0].message).toContain('Its dynamic loader `/lib64/ld-linux-x86-64.so.2` is hidden the same way');
  });

  it('is not raised when the twin exists at the link target (the app ships usr/bin/sh)', async () => {
    const { problems, hidden } = await problemsFor([BASE, APP], { Cmd: ['/bin/sh'] });
    expect(hidden).toEqual([]);
    // The other hidden files are still reported, with their optional repair.
    expect(codes(problems)).toContain('symlink-hides-lower-files');
  });

  it('looks a bare name up on PATH and a relative one from the working directory', async () => {
    const bare = await problemsFor([BASE, APP_CLEAN], { Cmd: ['sh'] });
    expect(bare.hidden.map((p) => p.message)).toEqual([expect.stringContaining('`exec: "sh": executable file not found in $PATH`')]);
    expect((await problemsFor([BASE, APP_CLEAN], { Cmd: ['bin/sh'] })).hidden).toHaveLength(1);
    expect((await problemsFor([BASE, APP_CLEAN], { Cmd: ['sh'], Env: ['PATH=/etc'] })).hidden).toEqual([]);
  });

  it('is not raised for an absent command', async () => {
    for (const config of [{}, { Cmd: [] }, { Cmd: null }]) {
      const { problems, hidden } = await problemsFor([BASE, APP_CLEAN], config);
      expect(hidden, JSON.stringify(config)).toEqual([]);
      expect(codes(problems)).toEqual(['symlink-hides-lower-files']);
    }
  });

  it('reads a string Cmd as Docker does (strslice: one argument), so `"Cmd": "/bin/sh"` is hidden too', async () => {
    const { hidden } = await problemsFor([BASE, APP_CLEAN], { Cmd: '/bin/sh' });
    expect(hidden).toHaveLength(1);
  });

  it('is not raised when the command lives in the app layer (through the symlink or at its real path)', async () => {
    for (const cmd of ['/bin/app', '/usr/bin/app', '/usr/bin/../bin/app', 'app']) {
      const { hidden } = await problemsFor([BASE, APP_BIN], { Cmd: [cmd] });
      expect(hidden, cmd).toEqual([]);
    }
  });

  it('is not raised when the command never existed, when a later layer brings it back, or for a symlink loop', async () => {
    expect((await problemsFor([BASE, APP_CLEAN], { Cmd: ['/bin/nothing'] })).hidden).toEqual([]);
    const later = [dir('usr/'), dir('usr/bin/'), file('usr/bin/sh', 'a later shell')];
    expect((await problemsFor([BASE, APP_CLEAN, later], { Cmd: ['/bin/sh'] })).hidden).toEqual([]);
    const loop = [dir('bin/'), sym('bin/sh', 'sh2'), sym('bin/sh2', '/bin/sh'), dir('usr/'), dir('usr/bin/')];
    expect((await problemsFor([loop, [sym('bin', 'usr/bin')]], { Cmd: ['/bin/sh'] })).hidden).toEqual([]);
  });

  it('follows the exec chain: a `#!/bin/sh` script whose interpreter is hidden', async () => {
    const { hidden } = await problemsFor([BASE, APP_CLEAN], { Cmd: ['/usr/bin/app'] });
    expect(hidden).toHaveLength(1);
    expect(hidden[0]).toMatchObject({ layer: 1, paths: ['/usr/bin/app', '/bin/sh'], fix: 'carry-over-hidden-files' });
    expect(hidden[0].message).toBe(
      "The image's command `/usr/bin/app` needs its script interpreter `/bin/sh` (`/usr/bin/app` → `/bin/sh`), which is hidden by " +
        "layer 1's `bin -> usr/bin`: `docker run` will fail with `exec /usr/bin/app: no such file or directory`. Fix: carry the hidden files over (as usrmerge does).",
    );
  });

  it('the default fix of a hidden interpreter carries it over, and the fixed image\'s chain is whole', async () => {
    const { archive, problems } = await problemsFor([BASE, APP_CLEAN], { Cmd: ['/usr/bin/app'] });
    const repairs = defaultRepairs(planFix(archive, problems));
    const carry = repairs.find((r) => r.id === 'carry-over-hidden-files')!;
    expect(carry.description).toMatch(/^Chosen by default because the image's command `\/usr\/bin\/app` \(its `\/bin\/sh`\) is hidden/);
    const result = await fix(archive, repairs, env);
    const left = await diagnose(await openImage(writeOciArchive(result.out), env));
    expect(left.filter((p) => p.code === 'command-hidden')).toEqual([]);
  });

  it('follows `#!/usr/bin/env NAME` through PATH', async () => {
    const app = [...APP_BIN.filter((e) => e.path !== 'usr/bin/app'), file('usr/bin/app', '#!/usr/bin/env bash\necho hi\n')];
    const { hidden } = await problemsFor([BASE, app], { Entrypoint: ['/usr/bin/app'] });
    expect(hidden.map((p) => p.paths)).toEqual([['/usr/bin/app', 'bash']]);
    expect(hidden[0].message).toContain("`/usr/bin/env: 'bash': No such file or directory`");
    // With bash at the target, env finds it.
    expect((await problemsFor([BASE, [...app, file('usr/bin/bash', 'bash')]], { Entrypoint: ['/usr/bin/app'] })).hidden).toEqual([]);
  });

  it('follows a dynamic ELF program to its PT_INTERP loader, itself a symlink', async () => {
    const base = [...BASE, dir('lib64/'), sym('lib64/ld-linux-x86-64.so.2', '/lib/x86_64-linux-gnu/ld-2.31.so'), file('lib/x86_64-linux-gnu/ld-2.31.so', 'loader')];
    const app = [...APP_BIN.filter((e) => e.path !== 'usr/bin/app'), file('usr/bin/app', elf('/lib64/ld-linux-x86-64.so.2')), sym('lib', 'usr/lib'), sym('lib64', 'usr/lib64'), dir('usr/lib/'), dir('usr/lib64/')];
    const { hidden } = await problemsFor([base, app], { Cmd: ['/usr/bin/app'] });
    expect(hidden.map((p) => p.paths)).toEqual([['/usr/bin/app', '/lib64/ld-linux-x86-64.so.2']]);
    expect(hidden[0].message).toContain('dynamic loader `/lib64/ld-linux-x86-64.so.2`');
    expect(hidden[0].message).toContain('`exec /usr/bin/app: no such file or directory`');
    // A static ELF needs no loader.
    const stat = [...app.filter((e) => e.path !== 'usr/bin/app'), file('usr/bin/app', elf(undefined))];
    expect((await problemsFor([base, stat], { Cmd: ['/usr/bin/app'] })).hidden).toEqual([]);
  });

  it('is not raised when the command was lost some other way (a plain whiteout)', async () => {
    const { hidden } = await problemsFor([BASE, [dir('bin/'), file('bin/.wh.sh', '')]], { Cmd: ['/bin/sh'] });
    expect(hidden).toEqual([]);
  });
});

describe('planFix: carry-over-hidden-files is a default when the command is hidden', () => {
  it('is chosen by default (with the reason in its description) and the fixed image runs its command', async () => {
    const { archive, problems } = await problemsFor([BASE, APP_NO_SH], { Cmd: ['/bin/sh'] });
    const planned = planFix(archive, problems);
    expect(planned.map((r) => [r.id, !!r.optional])).toEqual([
      ['drop-redundant-whiteouts', false],
      ['carry-over-hidden-files', false],
    ]);
    const carry = planned[1];
    expect(carry.codes).toEqual(expect.arrayContaining(['symlink-hides-lower-files', 'command-hidden']));
    expect(carry.description).toMatch(/^Chosen by default because the image's command `\/bin\/sh` is hidden/);
    // Counts the hidden files to carry, not the command problem.
    expect(carry.description).toContain('Copies 7 lower-layer files');
    expect(carry.targets.map((t) => t.layer)).toEqual([1]);
    const chosen = defaultRepairs(planned);
    expect(chosen.map((r) => r.id)).toEqual(['drop-redundant-whiteouts', 'carry-over-hidden-files']);

    const result = await fix(archive, chosen, env);
    const reopened = await openImage(writeOciArchive(result.out), env);
    const left = await diagnose(reopened);
    expect(left.filter((p) => p.severity !== 'info')).toEqual([]);
  });

  it('stays optional when the command is not hidden; the plain fix can still be picked and leaves command-hidden', async () => {
    const notHidden = await problemsFor([BASE, APP], { Cmd: ['/bin/sh'] });
    expect(planFix(notHidden.archive, notHidden.problems).map((r) => [r.id, !!r.optional])).toEqual([
      ['drop-redundant-whiteouts', false],
      ['carry-over-hidden-files', true],
    ]);
    expect(defaultRepairs(planFix(notHidden.archive, notHidden.problems)).map((r) => r.id)).toEqual(['drop-redundant-whiteouts']);

    const { archive, problems } = await problemsFor([BASE, APP_NO_SH], { Cmd: ['/bin/sh'] });
    const plain = planFix(archive, problems).filter((r) => r.id === 'drop-redundant-whiteouts');
    const result = await fix(archive, plain, env);
    const reopened = await openImage(writeOciArchive(result.out), env);
    const left = await diagnose(reopened);
    expect(left.filter((p) => p.severity === 'error').map((p) => p.code)).toEqual(['command-hidden']);
  });
});
