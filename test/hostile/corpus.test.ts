// The hostile corpus (issue 12): each row is an input built to make a verb hang or exhaust memory, small on disk,
// generated here into a temp dir and run through the CLI as a child process. Every row must end within 30 s and
// 1 GiB of RSS with a correct answer or a typed error (`error[code]`), never a crash. The table of what each row
// measured is printed at the end and written to .tmp/hostile-table.md (README's "Hostile input" section).

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as g from './gen';
import { crashed, errorCode, runCli, KILL_AFTER_S, RSS_LIMIT_MB, TIME_LIMIT_S, type RunResult } from './run';
import { rows, type Row } from './rows';

const tmp = mkdtempSync(join(tmpdir(), 'lw-hostile-'));
const table: string[] = [];

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  const head = '| input | verb | seconds | peak RSS | answer |\n|---|---|---|---|---|';
  const text = [head, ...table].join('\n');
  mkdirSync('.tmp', { recursive: true });
  writeFileSync('.tmp/hostile-table.md', text + '\n');
  console.log(`\n${text}\n`);
});

function answer(r: RunResult, row: Row): string {
  if (r.killed) return `killed at ${KILL_AFTER_S} s`;
  const code = errorCode(r);
  if (code) return `exit ${r.code}, \`error[${code}]\``;
  return `exit ${r.code}${row.describe ? `, ${row.describe(r)}` : ''}`;
}

describe('hostile inputs end in bounded time and memory', () => {
  for (const row of rows) {
    it(`${row.input} — ${row.verb.join(' ')}`, async () => {
      const path = await row.make(tmp, g);
      const args = row.verb.map((a) => (a === 'IMAGE' ? path : a));
      const r = await runCli(args, { tmp, head: row.head });
      table.push(`| ${row.input} | \`${['lw', ...row.verb].join(' ')}${row.head ? ` \\| head -${row.head}` : ''}\` | ${r.secs.toFixed(1)} | ${Math.round(r.rssMB)} MiB | ${answer(r, row)} |`);
      const msg = `${row.input}: exit ${r.code}, ${r.secs} s, ${Math.round(r.rssMB)} MiB\nstderr: ${r.stderr.slice(0, 2000)}\nstdout: ${r.stdout.slice(0, 500)}`;
      expect(r.killed, msg).toBe(false);
      expect(crashed(r), msg).toBe(false);
      expect(r.secs, msg).toBeLessThanOrEqual(TIME_LIMIT_S);
      expect(r.rssMB, msg).toBeLessThanOrEqual(RSS_LIMIT_MB);
      row.check(r, msg);
    });
  }
});
