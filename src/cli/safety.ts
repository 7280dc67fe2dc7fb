// Nothing lost (issue 14): an output path that is one of the inputs would replace the very file being read (the
// input Blob reads it lazily, by path), so it is refused before any work starts.

import { realpath, stat } from 'node:fs/promises';
import { sep } from 'node:path';
import { LwError } from '../engine/index';

/** Throws invalid-argument when `output` names an input file (same device and inode) or a file inside an input folder. */
export async function refuseOutputOverInput(output: string, inputs: (string | undefined)[]): Promise<void> {
  const out = await stat(output).catch(() => undefined);
  if (!out) return; // a new file cannot be an input
  const outReal = await realpath(output);
  for (const input of inputs) {
    if (!input) continue;
    const st = await stat(input).catch(() => undefined);
    if (!st) continue;
    const same = st.dev === out.dev && st.ino === out.ino;
    const inside = st.isDirectory() && outReal.startsWith((await realpath(input)) + sep);
    if (same || inside)
      throw new LwError(
        'invalid-argument',
        `-o ${output} ${same ? 'is the input' : `is a file of the input folder`} ${input}: writing it would destroy what is being read. Choose another output path.`,
        { field: 'output' },
      );
  }
}
