import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { LwError } from '../../../src/engine/errors';
import {
  applyConfig,
  parsePort,
  resolveCommand,
  shellSplit,
  validateSettings,
  withDefaults,
} from '../../../src/engine/ops/config';
import type { ImageConfig } from '../../../src/engine/oci/types';

// Expected values written from Python 3's shlex.split (posix mode); the random cases below are checked
// against python3 itself when it is installed.
const FIXED: [string, string[]][] = [
  ['', []],
  ['   ', []],
  ['/bin/sh', ['/bin/sh']],
  ['/bin/sh -c "echo hello world"', ['/bin/sh', '-c', 'echo hello world']],
  ["sh -c 'echo \"$HOME\"'", ['sh', '-c', 'echo "$HOME"']],
  ['a\\ b c', ['a b', 'c']],
  ['a"b c"d', ['ab cd']],
  ["a '' b", ['a', '', 'b']],
  ['""', ['']],
  ['"a\\"b"', ['a"b']],
  ['"a\\b"', ['a\\b']],
  ['"a\\\\b"', ['a\\b']],
  ["'a\\b'", ['a\\b']],
  ['a #b', ['a', '#b']],
  ['\ta\nb\r\nc', ['a', 'b', 'c']],
  ['--opt=1 --x="y z"', ['--opt=1', '--x=y z']],
  ['\\"', ['"']],
];

describe('shellSplit', () => {
  it.each(FIXED)('%j', (input, want) => {
    expect(shellSplit(input)).toEqual(want);
  });

  it.each(['"abc', "'abc", 'a "b\'', 'x\\', '"x\\"'])('rejects %j like shlex', (input) => {
    try {
      shellSplit(input, 'cmd');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(LwError);
      expect((e as LwError).code).toBe('invalid-argument');
      expect((e as LwError).where.field).toBe('cmd');
    }
  });

  it('agrees with python3 shlex.split on 400 random strings', () => {
    let py = true;
    try {
      execFileSync('python3', ['-c', 'import shlex'], { stdio: 'ignore' });
    } catch {
      py = false;
    }
    if (!py) return; // the fixed table above still runs
    // A small alphabet heavy in quoting characters, so most strings exercise an edge.
    const alphabet = ['a', 'b', ' ', ' ', '\t', '\n', "'", '"', '\\', '#', '$', 'é', '=', '-'];
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed / 0x7fffffff);
    const cases: string[] = [];
    for (let i = 0; i < 400; i++) {
      const n = 1 + Math.floor(rnd() * 12);
      let s = '';
      for (let j = 0; j < n; j++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      cases.push(s);
    }
    const script = `
import json, shlex, sys
out = []
for s in json.load(sys.stdin):
    try: out.append(shlex.split(s))
    except ValueError: out.append(None)
print(json.dumps(out))`;
    const want = JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify(cases) }).toString()) as (string[] | null)[];
    let errors = 0;
    cases.forEach((s, i) => {
      let got: string[] | null;
      try {
        got = shellSplit(s);
      } catch {
        got = null;
        errors++;
      }
      expect(got, JSON.stringify(s)).toEqual(want[i]);
    });
    expect(errors).toBeGreaterThan(10); // the set really covers unbalanced quoting
  });
});

describe('config semantics (seed)', () => {
  const now = new Date('2030-01-02T03:04:05.678Z');

  it('defaults: CMD /bin/sh, no ENTRYPOINT, created label', () => {
    const cfg = applyConfig(undefined, withDefaults({}), now);
    expect(cfg.config?.Cmd).toEqual(['/bin/sh']);
    expect(cfg.config?.Entrypoint).toBeUndefined();
    expect(cfg.created).toBe('2030-01-02T03:04:05Z');
    expect(cfg.config?.Labels).toEqual({ 'org.opencontainers.image.created': '2030-01-02T03:04:05Z' });
    expect(cfg.os).toBe('linux');
    expect(cfg.architecture).toBe('amd64');
    expect(cfg.rootfs).toEqual({ type: 'layers', diff_ids: [] });
  });

  it('legacy ENTRYPOINT_ARGS wins over CMD', () => {
    expect(resolveCommand({ cmd: '/bin/sh', entrypointArgs: '-c "run me"', entrypoint: 'tini --' })).toEqual({
      cmd: ['-c', 'run me'],
      entrypoint: ['tini', '--'],
    });
  });

  it('keeps base fields unless changed; env/labels replace by key', () => {
    const base: ImageConfig = {
      architecture: 'arm64',
      os: 'linux',
      variant: 'v8',
      rootfs: { type: 'layers', diff_ids: ['sha256:' + 'a'.repeat(64)] },
      history: [{ created_by: 'base' }],
      config: {
        Env: ['PATH=/usr/bin', 'A=1'],
        Entrypoint: ['/entry'],
        Cmd: ['base-cmd'],
        Labels: { keep: 'yes', over: 'old' },
        WorkingDir: '/srv',
        ExposedPorts: { '22/tcp': {} },
      },
      'moby.extra': 42,
    };
    const cfg = applyConfig(
      base,
      withDefaults({ cmd: '', env: ['A=2', 'B=x y=z'], labels: ['over=new value', 'k='], ports: ['80', '53/UDP'], sourceDateEpoch: 0, revision: 'abc', refName: 'main' }),
      now,
    );
    expect(cfg.architecture).toBe('arm64');
    expect(cfg.variant).toBe('v8');
    expect(cfg['moby.extra']).toBe(42);
    expect(cfg.created).toBe('1970-01-01T00:00:00Z');
    expect(cfg.config?.Cmd).toEqual(['base-cmd']); // empty CMD: kept, as the seed skips `umoci config`
    expect(cfg.config?.Entrypoint).toEqual(['/entry']);
    expect(cfg.config?.Env).toEqual(['PATH=/usr/bin', 'A=2', 'B=x y=z']);
    expect(cfg.config?.Labels).toEqual({
      keep: 'yes',
      over: 'new value',
      k: '',
      'org.opencontainers.image.created': '1970-01-01T00:00:00Z',
      'org.opencontainers.image.revision': 'abc',
      'org.opencontainers.image.ref.name': 'main',
    });
    expect(cfg.config?.ExposedPorts).toEqual({ '22/tcp': {}, '80/tcp': {}, '53/udp': {} });
    expect(cfg.config?.WorkingDir).toBe('/srv');
    expect(cfg.rootfs.diff_ids).toHaveLength(1);
    expect(base.config?.Env).toEqual(['PATH=/usr/bin', 'A=1']); // input not mutated
  });

  it('validates ports, env, labels, signals and quoting at the field', () => {
    expect(parsePort('8080/udp')).toBe('8080/udp');
    expect(() => parsePort('0')).toThrow(LwError);
    expect(() => parsePort('70000')).toThrow(LwError);
    expect(() => parsePort('80/sctp')).toThrow(LwError);
    const errs = validateSettings({ cmd: 'sh -c "x', env: ['=x', 'NOEQ'], labels: ['a b=c'], ports: ['x'], stopSignal: 'sig term' });
    expect(errs.map((e) => e.field)).toEqual(['cmd', 'env', 'env', 'labels', 'ports', 'stopSignal']);
    expect(() => applyConfig(undefined, { entrypoint: "'x" })).toThrow(/never closed/);
  });
});
