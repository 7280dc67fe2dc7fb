// What a CLI verb is, and the context main.ts hands it. A verb is one file, src/cli/commands/<verb>.ts, exporting
// `command: CliCommand`, and one line in main.ts's COMMANDS registers it under its verb.
//
//   // src/cli/commands/diagnose.ts
//   export const command: CliCommand = {
//     usage: 'diagnose IMAGE [--json]',
//     summary: 'List layer and layout problems',
//     options: { json: { type: 'boolean' } },
//     positionals: [1, 1],
//     async run({ values, positionals }, ctx) {
//       const archive = await ctx.openImage(positionals[0]);
//       ...; ctx.out(JSON.stringify(result, null, 2));
//       return result.problems.length ? 1 : 0;
//     },
//   };
//
// Exit codes: 0 success, 1 the check ran and found problems, 2 an error (LwError printed as `error[code]: msg`
// by main.ts — just throw it) or bad usage.

import type { ParseArgsConfig } from 'node:util';
import type { Deflater, ImageArchive, OpOptions, OpenImageOptions, Progress } from '../engine/index';
import type { NodeScratch } from '../platform/node';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  /** Option values as node:util parseArgs returns them (strings, booleans, string[] for `multiple`). */
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

export interface CliCommand {
  /** Shown by `help`, e.g. 'inspect IMAGE [--json]'. */
  usage: string;
  summary: string;
  /** node:util parseArgs options; `--help` is added by main.ts. Unknown options are a usage error. */
  options?: OptionSpec;
  /** [min, max] positional arguments (max Infinity for any). Default [0, 0]. */
  positionals?: [number, number];
  /** Longer help text printed after the usage line by `<verb> --help`. */
  help?: string;
  run(args: ParsedArgs, ctx: CliContext): Promise<number>;
}

export interface CliContext {
  /** A line to stdout (newline added). */
  out(line: string): void;
  /** A value as JSON (the text of JSON.stringify(v, null, 2) and a newline), streamed: never one giant string. */
  outJson(value: unknown): void;
  /** Lets stdout catch up (back-pressure); call every few thousand lines of a long listing. */
  drain(): Promise<void>;
  /** A line to stderr (newline added). */
  err(line: string): void;
  /** True when stderr is a terminal: progress is drawn only then. */
  readonly tty: boolean;
  /** Temp-file scratch space, cleaned up when the command ends. */
  readonly env: { scratch: NodeScratch; deflater?: Deflater; gzipLevel?: number };
  /** Fires on Ctrl-C; pass it on (ops then throw LwError 'cancelled'). */
  readonly signal: AbortSignal;
  /** A progress callback drawing a bar on stderr (TTY only; otherwise undefined). */
  progress(label: string): Progress | undefined;
  /** signal + a progress bar for `label`, ready to pass to an op. */
  opts(label: string): OpOptions;
  /** Opens a file (tar, tar.gz) or a folder as an image archive, with progress. */
  openImage(path: string, opts?: OpenImageOptions): Promise<ImageArchive>;
  /**
   * Streams a Blob to `path`: written to a temp name next to it and renamed when complete, so a failed or
   * cancelled run never leaves a partial file under the requested name. Throws LwError 'write-failed'.
   */
  writeOutput(blob: Blob, path: string, label?: string): Promise<void>;
}
