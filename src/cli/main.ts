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
import { command as diff } from './commands/diff';
import { command as fix } from './commands/fix';
import { command as inspect } from './commands/inspect';
import { command as ls } from './commands/ls';
import { command as verify } from './commands/verify';
import { setLimits, DEFAULT_LIMITS, type Limits } from '../engine/index';

/** Options every verb takes: the bounds on hostile input (engine/limits.ts). Units keep the numbers short. */
const LIMIT_OPTIONS = {
  'max-entries': { type: 'string', unit: 1, key: 'maxEntries' },
  'max-metadata': { type: 'string', unit: 1024 * 1024, key: 'maxMetadata' }, // MiB
  'max-expansion-ratio': { type: 'string', unit: 1, key: 'maxExpansionRatio' },
  'max-expanded': { type: 'string', unit: 1024 ** 3, key: 'maxExpanded' }, // GiB
} as const;

const LIMITS_HELP =
  `Limits (every verb): --max-entries N (default ${DEFAULT_LIMITS.maxEntries}), --max-metadata MiB (default ${DEFAULT_LIMITS.maxMetadata / 1024 / 1024}), ` +
  `--max-expansion-ratio N (default ${DEFAULT_LIMITS.maxExpansionRatio}), --max-expanded GiB (default ${DEFAULT_LIMITS.maxExpanded / 1024 ** 3}).`;

/** Sets the limits given on the command line; returns the ones before (main restores them: tests run in-process). */
function applyLimits(values: Record<string, unknown>): Limits {
  const l: Partial<Limits> = {};
  for (const [flag, o] of Object.entries(LIMIT_OPTIONS)) {
    const v = values[flag];
    if (v === undefined) continue;
    const n = Number(v);
    if (!(n > 0) || !Number.isFinite(n)) throw new LwError('invalid-argument', `--${flag} takes a positive number, not "${String(v)}".`);
    l[o.key] = Math.round(n * o.unit);
  }
  return setLimits(l);
}
import { esc } from './escape';

/** Every verb, registered here by name (README's "Contract": these names stay stable). */
const COMMANDS: Record<string, CliCommand> = { build, diagnose, diff, fix, inspect, ls, verify };

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
  lines.push('', LIMITS_HELP, '', 'Exit codes: 0 ok, 1 problems found, 2 error. `<verb> --help` for details.');
  io.stdout(lines.join('\n') + '\n');
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. Tests call this in-process. */
export async function main(argv: string[], io: CliIO = processIO(), signal?: AbortSignal): Promise<number> {
  try {
    return await run(argv, io, signal);
  } finally {
    await io.drain?.(); // everything written reaches stdout before the exit code does
  }
}

async function run(argv: string[], io: CliIO, signal?: AbortSignal): Promise<number> {
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
  // SIGTERM too: cancelling lets writeOutput remove its partial file and dispose() the scratch (issue 14).
  process.once('SIGTERM', onSigint);
  signal?.addEventListener('abort', onSigint, { once: true });
  io.stdoutGone?.addEventListener('abort', onSigint, { once: true });
  const ctx = makeContext(io, abort.signal);
  let restoreLimits: Limits | undefined;
  try {
    let parsed;
    try {
      const limitOpts = Object.fromEntries(Object.keys(LIMIT_OPTIONS).map((k) => [k, { type: 'string' as const }]));
      parsed = parseArgs({ args: rest, options: { ...cmd.options, ...limitOpts, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    } catch (e) {
      throw new LwError('invalid-argument', `${(e as Error).message}\nUsage: ${cmd.usage}`);
    }
    if (parsed.values.help) {
      io.stdout(`Usage: npm run -s cli -- ${cmd.usage}\n${cmd.summary}\n${cmd.help ? '\n' + cmd.help + '\n' : ''}\n${LIMITS_HELP}\n`);
      return 0;
    }
    restoreLimits = applyLimits(parsed.values);
    const [min, max] = cmd.positionals ?? [0, 0];
    const n = parsed.positionals.length;
    if (n < min || n > max)
      throw new LwError('invalid-argument', `${verb} takes ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? '' : 's'}, got ${n}.\nUsage: ${cmd.usage}`);
    const code = await cmd.run({ values: parsed.values, positionals: parsed.positionals }, ctx);
    await io.drain?.();
    return io.stdoutGone?.aborted ? 0 : code;
  } catch (e) {
    // Nobody reads the output any more (`ls … | head`): the verb was cancelled for that; end quietly, like ls.
    if (io.stdoutGone?.aborted) return 0;
    const err = asLwError(e);
    // Escaped line by line: our own messages may hold a usage line; nothing raw from an image gets through.
    io.stderr(`error[${err.code}]: ${err.message.split('\n').map(esc).join('\n')}\n`);
    return 2;
  } finally {
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onSigint);
    if (restoreLimits) setLimits(restoreLimits);
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
