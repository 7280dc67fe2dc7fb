// Runs the CLI as a child process under a time and memory watch: /usr/bin/time reports wall seconds and peak
// RSS; a watchdog kills the process past the hard limit so a hang fails the test instead of stalling CI.

import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const CLI = join(__dirname, '../../src/cli/main.ts');
export const TIME_LIMIT_S = 30;
export const RSS_LIMIT_MB = 1024;
export const KILL_AFTER_S = 45;

export interface RunResult {
  code: number | null;
  secs: number;
  rssMB: number;
  stdout: string; // the first 256 KiB
  lines: number;
  stderr: string;
  killed: boolean;
}

/** `node --import tsx src/cli/main.ts ARGS`, optionally piped into `head -n N` (then code is the CLI's). */
export function runCli(args: string[], opts: { head?: number; tmp: string }): Promise<RunResult> {
  const tf = join(opts.tmp, `time-${process.pid}-${Date.now()}`);
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const cmd = ['/usr/bin/time', '-f', '%e %M', '-o', tf, process.execPath, '--import', 'tsx', CLI, ...args];
  const child =
    opts.head === undefined
      ? spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
      : spawn('bash', ['-c', `set -o pipefail; ${cmd.map(quote).join(' ')} | head -n ${opts.head}`], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let lines = 0;
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    if (stdout.length < 256 * 1024) stdout += d;
    for (let i = d.indexOf('\n'); i >= 0; i = d.indexOf('\n', i + 1)) lines++;
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    if (stderr.length < 64 * 1024) stderr += d;
  });
  let killed = false;
  const t0 = Date.now();
  // Half again the limit before killing: a slow run is reported with its real time, a hang is cut.
  const dog = setTimeout(() => {
    killed = true;
    // Its own process group (detached): the whole group goes, node under time (and bash) included.
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  }, KILL_AFTER_S * 1000);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(dog);
      let secs = (Date.now() - t0) / 1000;
      let rssMB = NaN;
      try {
        const [s, kb] = readFileSync(tf, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
        if (Number.isFinite(s)) secs = s;
        rssMB = kb / 1024;
      } catch {
        /* killed before time wrote its report */
      }
      rmSync(tf, { force: true });
      resolve({ code, secs, rssMB, stdout, lines, stderr, killed });
    });
  });
}

/** No stack trace, no V8 abort, no internal error: what a crash looks like on stderr. */
export function crashed(r: RunResult): boolean {
  return /error\[internal\]|FATAL ERROR|RangeError|TypeError|heap out of memory|\n\s+at /.test(r.stderr);
}

/** error[<code>] printed by main.ts, if any. */
export function errorCode(r: RunResult): string | undefined {
  return /error\[([a-z-]+)\]/.exec(r.stderr)?.[1];
}
