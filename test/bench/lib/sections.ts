// RESULTS.md is written by more than one bench script: each owns a `## ` section and keeps the others'.

/** The section test/bench/encode-node.ts writes. */
export const ENCODER_SECTION = '## Layer encoder under Node';
/** Section runs of test/bench/quick.ts (hashing in the worker pool, issue 11), written by hand from its output. */
export const POOL_SECTION = '## Hashing in the worker pool (section runs)';

/** `heading`'s section of `md` (up to the next `## ` heading), or ''. */
export function keptSection(md: string, heading: string): string {
  const i = md.indexOf(`\n${heading}`);
  if (i < 0) return '';
  const next = md.indexOf('\n## ', i + 1);
  return md.slice(i + 1, next < 0 ? undefined : next + 1).trimEnd() + '\n';
}

/** `md` with `heading`'s section replaced by `section` (appended when absent). */
export function replaceSection(md: string, heading: string, section: string): string {
  const old = keptSection(md, heading);
  if (!old) return md.trimEnd() + '\n\n' + section.trimEnd() + '\n';
  return md.replace(old, section.trimEnd() + '\n');
}
