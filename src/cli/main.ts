// layerwright CLI: `npm run -s cli -- <verb> ...`. A thin door on the engine (src/engine/index.ts): each verb is a
// file in ./commands, registered by name below (see command.ts); this file parses its options, runs it and maps
// errors to exit codes.

import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { asLwError, LwError } from '../engine/index';
import type { CliCommand } from './command';
import { makeContext, processIO, type CliIO } from './context';
import { command as build } from './commands/build';
import { command as diagnose } from './commands/diagnose';
import { command as fix } from './commands/fix';
import { command as inspect } from './commands/inspect';
import { command as ls } from './commands/ls';
import { command as verify } from './commands/verify';

/** Every verb, registered here by name (README's "Contract": these names stay stable). */
const COMMANDS: Record<string, CliCommand> = { build, diagnose, fix, inspect, ls, verify };

export function listVerbs(): string[] {
  return Object.keys(COMMANDS).sort();
}

function loadCommand(verb: string): CliCommand | undefined {
  return Object.hasOwn(COMMANDS, verb) ? COMMANDS[verb] : undefined;
}

async function usage(io: CliIO): Promise<void> {
  const lines = ['Usage: npm run -s cli -- <verb> [options]', '', 'Verbs:'];
  for (const verb of listVerbs()) {
    const c = loadCommand(verb);
    // Long usages (build) get their summary on the next line.
    if (c) lines.push(c.usage.length <= 40 ? `  ${c.usage.padEnd(40)}  ${c.summary}` : `  ${c.usage}\n  ${''.padEnd(40)}  ${c.summary}`);
  }
  lines.push('', 'Exit codes: 0 ok, 1 problems found, 2 error. `<verb> --help` for details.');
  io.stdout(lines.join('\n') + '\n');
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. Tests call this in-process. */
export async function main(argv: string[], io: CliIO = processIO(), signal?: AbortSignal): Promise<number> {
  const [verb, ...rest] = argv;
  if (!verb || verb === 'help' || verb === '--help' || verb === '-h') {
    await usage(io);
    return verb ? 0 : 2;
  }
  const cmd = loadCommand(verb);
  if (!cmd) {
    io.stderr(`error[invalid-argument]: unknown verb "${verb}" (known: ${listVerbs().join(', ')})\n`);
    return 2;
  }
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  signal?.addEventListener('abort', onSigint, { once: true });
  const ctx = makeContext(io, abort.signal);
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: { ...cmd.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    } catch (e) {
      throw new LwError('invalid-argument', `${(e as Error).message}\nUsage: ${cmd.usage}`);
    }
    if (parsed.values.help) {
      io.stdout(`Usage: npm run -s cli -- ${cmd.usage}\n${cmd.summary}\n${cmd.help ? '\n' + cmd.help + '\n' : ''}`);
      return 0;
    }
    const [min, max] = cmd.positionals ?? [0, 0];
    const n = parsed.positionals.length;
    if (n < min || n > max)
      throw new LwError('invalid-argument', `${verb} takes ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? '' : 's'}, got ${n}.\nUsage: ${cmd.usage}`);
    return await cmd.run({ values: parsed.values, positionals: parsed.positionals }, ctx);
  } catch (e) {
    const err = asLwError(e);
    io.stderr(`error[${err.code}]: ${err.message}\n`);
    return 2;
  } finally {
    process.removeListener('SIGINT', onSigint);
    await ctx.dispose();
  }
}

// Run when executed directly (tsx src/cli/main.ts), not when imported by tests.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`error[internal]: ${(e as Error).stack ?? e}\n`);
      process.exitCode = 2;
    },
  );
}
