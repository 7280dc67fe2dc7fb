// The worker's `build` job (issue 4): base = an image of an open session (or none), app rootfs = Files posted
// from the UI. The result is opened as a new session so the normal image view shows it (layers, Download).

import { build, openImage, writeOciArchive, type ImageArchive, type OpOptions, type Scratch } from '../src/engine/index';
import type { BuildJobInput, BuildJobResult } from '../src/protocol';
import { summarize } from './summary';

/** What the worker's job() hands over (structurally the JobContext of engine.worker.ts). */
interface Ctx {
  env: { scratch: Scratch };
  opts: OpOptions;
  session(id: string): { name: string; archive: ImageArchive };
  addSession(s: { name: string; archive: ImageArchive }): string;
}

export async function buildJob(ctx: Ctx, input: BuildJobInput): Promise<BuildJobResult> {
  let base: ImageArchive | undefined;
  let baseName: string | undefined;
  if (input.baseSessionId) {
    const s = ctx.session(input.baseSessionId);
    const img = s.archive.images[input.baseImage ?? 0] ?? s.archive.images[0];
    // Narrowed to the picked image: build's tag lookup then has exactly one candidate.
    base = { ...s.archive, images: [img] };
    baseName = img.tags[0] ? `${s.name}:${img.tags[0]}` : s.name;
  }
  const env = { ...ctx.env, gzipLevel: input.level }; // the encoder reads env.gzipLevel (default 6)
  const res = await build(
    { base, baseName, rootfs: input.rootfs, rootfsNames: input.rootfs.map((f) => f.name), settings: input.settings },
    env,
    ctx.opts,
  );
  const archive = await openImage(writeOciArchive(res.out), ctx.env, ctx.opts);
  const name = `${(res.tags[0] ?? 'image').replace(/[^\w.-]+/g, '_')}-oci.tar`;
  const sessionId = ctx.addSession({ name, archive });
  const { out: _out, config: _config, ...summary } = res;
  void _out;
  void _config;
  return { opened: { sessionId, ...summarize(archive, name) }, summary };
}
