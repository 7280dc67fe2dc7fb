// The worker's issue-3 jobs: diagnose an open session, fix it (the result opens as a new session, like build),
// and export any open session as an OCI archive or a docker-archive Blob for the UI to save.
// The exported Blob is composed of input File slices, OPFS scratch files and small JSON: never one big buffer
// (Chromium cannot download an in-memory Blob of 512 MiB or more).

import {
  LwError,
  diagnose,
  fix,
  openImage,
  planFix,
  rechain,
  toOciMediaTypes,
  writeDockerArchive,
  writeOciArchive,
  type ImageArchive,
  type LayoutOut,
  type OpOptions,
  type Problem,
  type RepairId,
  type Scratch,
  type UnpackCache,
} from '../src/engine/index';
import type { ArchiveFormat, DiagnoseJobResult, ExportJobResult, FixJobResult } from '../src/protocol';
import { summarize } from './summary';

interface Ctx {
  env: { scratch: Scratch };
  opts: OpOptions;
  session(id: string): { name: string; archive: ImageArchive; cache?: UnpackCache };
  addSession(s: { name: string; archive: ImageArchive }): string;
}


// The last diagnosis of each session: fix plans from it instead of reading every layer again.
const diagnosed = new WeakMap<ImageArchive, Problem[]>();
// The layout a fix produced, per archive it opened as: exporting it needs no re-chaining.
const layouts = new WeakMap<ImageArchive, LayoutOut>();

export async function diagnoseJob(ctx: Ctx, sessionId: string): Promise<DiagnoseJobResult> {
  const { archive, cache } = ctx.session(sessionId);
  // The engine labels its progress with the op's name; people get words (or the pause note the worker adds).
  const report = ctx.opts.onProgress;
  const onProgress = report && ((done: number, total: number, label?: string) => report(done, total, label === 'diagnose' ? 'Reading every layer once' : label));
  // With the session's cache, a Verify clicked while this runs reuses the layer digests read here.
  const problems = await diagnose(archive, { ...ctx.opts, onProgress, cache });
  diagnosed.set(archive, problems);
  return {
    problems: problems.map(({ entries: _e, ...p }) => p),
    repairs: planFix(archive, problems).map(({ drop: _d, readdress: _r, ...r }) => r),
  };
}

export async function fixJob(ctx: Ctx, sessionId: string, repairIds: RepairId[], level?: number): Promise<FixJobResult> {
  const { archive, name, cache } = ctx.session(sessionId);
  let problems = diagnosed.get(archive);
  if (!problems) {
    problems = await diagnose(archive, { ...ctx.opts, cache });
    diagnosed.set(archive, problems);
  }
  const repairs = planFix(archive, problems).filter((r) => repairIds.includes(r.id));
  if (repairs.length === 0) throw new LwError('invalid-argument', 'Choose at least one repair to run.');
  const env = { ...ctx.env, gzipLevel: level }; // the encoder reads env.gzipLevel (default 6) and env.deflater
  const result = await fix(archive, repairs, env, ctx.opts);
  const fixed = await openImage(writeOciArchive(result.out), ctx.env, { signal: ctx.opts.signal });
  layouts.set(fixed, result.out);
  const base = name.replace(/(-fixed)?(-oci|-docker)?\.(tar\.gz|tgz|tar)$/i, '');
  const fixedName = `${base}-fixed.tar`;
  const newId = ctx.addSession({ name: fixedName, archive: fixed });
  return {
    opened: { sessionId: newId, ...summarize(fixed, fixedName) },
    rewritten: result.rewritten,
    applied: repairs.map((r) => r.id),
    warnings: result.warnings,
    ms: result.ms,
  };
}

/** The open session as an OCI archive or a docker-archive (`docker load`), composed without copying blobs. */
export async function exportJob(ctx: Ctx, sessionId: string, format: ArchiveFormat): Promise<ExportJobResult> {
  const { archive, name } = ctx.session(sessionId);
  const out = layouts.get(archive) ?? (await rechain(archive, {}, { signal: ctx.opts.signal }));
  const warnings: string[] = [];
  const blob =
    format === 'docker'
      ? await writeDockerArchive(out, { scratch: ctx.env.scratch, signal: ctx.opts.signal, onWarning: (m) => warnings.push(m) })
      : writeOciArchive(await toOciMediaTypes(out));
  const base = name.replace(/(-oci|-docker)?\.(tar\.gz|tgz|tar)$/i, '');
  return { blob, name: `${base}-${format}.tar`, warnings };
}
