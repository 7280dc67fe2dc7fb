// Small byte-array helpers shared by the engine (one copy, not one per file).

/** The parts joined into one array (the part itself when there is only one: no copy). */
export function concatBytes(...parts: (Uint8Array | undefined)[]): Uint8Array {
  const present = parts.filter((p): p is Uint8Array => p !== undefined);
  if (present.length === 1) return present[0];
  const out = new Uint8Array(present.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of present) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
