// Go's standard library as the reference reader (test/oracle/main.go, stdlib only, built offline with Debian's
// golang package). Without `go` the oracle tests are skipped on a developer machine and fail in CI.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { have, tempDir } from '../../fixtures/tools';

const ROOT = join(dirname(new URL(import.meta.url).pathname), '..', '..', '..');
const isCI = () => !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';

// Offline, standard library only: no toolchain download, no modules, no proxy; caches under .tmp when the
// environment has no HOME (CI's may not).
const GO_ENV = {
  ...process.env,
  GOTOOLCHAIN: 'local', GOFLAGS: '', GO111MODULE: 'off', GOPROXY: 'off', CGO_ENABLED: '0',
  GOCACHE: process.env.GOCACHE ?? (process.env.HOME ? undefined : join(ROOT, '.tmp', 'go-cache')),
  GOPATH: process.env.GOPATH ?? join(ROOT, '.tmp', 'gopath'),
};
for (const k of Object.keys(GO_ENV) as (keyof typeof GO_ENV)[]) if (GO_ENV[k] === undefined) delete GO_ENV[k];

let binary: string | undefined;

/** True when the oracle can run; throws in CI when it cannot (a missing tool is a failure there). */
export function haveGo(): boolean {
  if (have('go')) return true;
  if (isCI()) throw new Error('security tests: Go (Debian golang-go) is required in CI as the reference reader');
  return false;
}

function build(): string {
  if (binary && existsSync(binary)) return binary;
  const out = join(tempDir('oracle'), 'oracle');
  execFileSync('go', ['build', '-o', out, join(ROOT, 'test', 'oracle', 'main.go')], { env: GO_ENV, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  binary = out;
  return out;
}

export function oracle<T>(args: string[], input?: string): T {
  const out = execFileSync(build(), args, { input, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 60_000 });
  return JSON.parse(out) as T;
}

export interface GoJsonResult {
  ok: boolean;
  error?: string;
  value?: unknown;
}

export function goJson(cases: { kind: string; bytes: Uint8Array }[]): GoJsonResult[] {
  return oracle<GoJsonResult[]>(['json'], JSON.stringify(cases.map((c) => ({ kind: c.kind, b64: Buffer.from(c.bytes).toString('base64') }))));
}

export interface GoTarResult {
  headers: { name: string; linkname: string; typeflag: string; size: number }[];
  error?: string;
}

export function goTar(file: string): GoTarResult {
  return oracle<GoTarResult>(['tar', file]);
}

export interface GoPathResult {
  clean: string;
  rel: string;
  breakout: boolean;
  whiteout?: string;
}

export function goPaths(names: string[]): GoPathResult[] {
  return oracle<GoPathResult[]>(['paths'], JSON.stringify(names));
}
