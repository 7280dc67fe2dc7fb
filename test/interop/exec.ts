// Process helpers for the interop harness: run a tool with a bounded timeout and capture its output, so a
// hung engine fails the test with the command and the tail of its stderr instead of hanging CI.
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';

export interface RunOptions {
  /** Throw when the exit code is not 0 (default true). */
  check?: boolean;
  /** Kill the process (SIGKILL) after this many ms (default 120 s). */
  timeoutMs?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Bytes written to stdin (stdin is closed either way). */
  input?: string | Uint8Array;
  /** Write stdout to this file instead of capturing it (for multi-hundred-MB outputs such as `docker export`). */
  stdoutFile?: string;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The command line, for messages. */
  command: string;
  ms: number;
}

export class RunError extends Error {
  constructor(readonly result: RunResult, why: string) {
    super(`${why}: ${result.command}\n--- stderr (tail) ---\n${tail(result.stderr)}\n--- stdout (tail) ---\n${tail(result.stdout)}`);
  }
}

const CAPTURE_LIMIT = 16 * 1024 * 1024;

export function tail(s: string, n = 4000): string {
  return s.length > n ? '…' + s.slice(-n) : s;
}

function quote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const command = [cmd, ...args].map(quote).join(' ');
  const started = Date.now();
  const timeoutMs = opts.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    let outFd: number | undefined;
    if (opts.stdoutFile) outFd = openSync(opts.stdoutFile, 'w');
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', outFd ?? 'pipe', 'pipe'],
    });
    if (outFd !== undefined) closeSync(outFd);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    child.stdout?.on('data', (b: Buffer) => {
      if (outLen < CAPTURE_LIMIT) out.push(b);
      outLen += b.length;
    });
    child.stderr!.on('data', (b: Buffer) => {
      if (errLen < CAPTURE_LIMIT) err.push(b);
      errLen += b.length;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid) {
        try { process.kill(child.pid, 'SIGKILL'); } catch { /* already gone */ }
      }
    }, timeoutMs);
    child.stdin!.on('error', () => { /* the tool may exit before reading its input */ });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    else child.stdin!.end();
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${command}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result: RunResult = {
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        command,
        ms: Date.now() - started,
      };
      if (timedOut) reject(new RunError(result, `timed out after ${timeoutMs} ms`));
      else if (opts.check !== false && result.code !== 0) reject(new RunError(result, `exit code ${result.code}${signal ? ` (${signal})` : ''}`));
      else resolve(result);
    });
  });
}

/** First executable named `name` on PATH (or the absolute path itself), or undefined. */
export function which(name: string): string | undefined {
  if (name.includes('/')) return existsSync(name) ? name : undefined;
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin', '/usr/bin', '/bin'])) {
    if (dir && existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return undefined;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
