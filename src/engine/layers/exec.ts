// What `docker run` execs, followed through a merged filesystem link by link: argv[0] (absolute, or found on the
// config's PATH), every symlink, a script's `#!` interpreter (and, for `#!/usr/bin/env NAME`, NAME on PATH), and a
// dynamic ELF binary's PT_INTERP loader. A missing link anywhere makes the kernel's execve fail with ENOENT, which
// Docker prints as "no such file or directory" for the command itself — the image looks fine and does not start.
// Only a bounded head of each file in the chain is read (readHead), never whole files.

import { resolve, type LinkNode, type Lookup, type Resolution } from './resolve';

/** Docker's PATH when the image's Env has none (moby oci/defaults). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Linux reads this much of a file to find `#!` (BINPRM_BUF_SIZE). */
export const SHEBANG_MAX = 256;
/** Bytes of an ELF file read for its program headers and interpreter path; beyond this, the check gives up. */
export const ELF_HEAD_MAX = 64 * 1024;
/** Linux allows 4 levels of interpreters (a script whose interpreter is a script...). */
const MAX_INTERPRETERS = 4;

export interface ImageCommand {
  argv: string[];
  field: 'Entrypoint' | 'Cmd';
  path: string[];
  workdir: string;
}

/** The argv `docker run` (no arguments) executes, with the PATH it searches; undefined when there is none. */
export function imageCommand(config: unknown): ImageCommand | undefined {
  const c = (config as { config?: Record<string, unknown> } | undefined)?.config;
  if (!c || typeof c !== 'object') return undefined;
  const strings = (v: unknown) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : []);
  const ep = strings(c.Entrypoint);
  const argv = ep.length ? [...ep, ...strings(c.Cmd)] : strings(c.Cmd);
  if (!argv.length || !argv[0]) return undefined;
  const env = strings(c.Env);
  const pathVar = env.filter((e) => e.startsWith('PATH=')).pop()?.slice(5) ?? DEFAULT_PATH;
  const workdir = typeof c.WorkingDir === 'string' && c.WorkingDir ? c.WorkingDir : '/';
  return { argv, field: ep.length ? 'Entrypoint' : 'Cmd', path: pathVar.split(':').filter((d) => d !== ''), workdir };
}

export type LinkKind = 'command' | 'interpreter' | 'env-target' | 'loader';

export interface ChainLink<N extends LinkNode = LinkNode> {
  kind: LinkKind;
  /** The path as the program or file names it (absolute, or a bare name searched on PATH). */
  name: string;
  /** How it resolved (path relative to the root, links followed, the node reached). */
  resolution?: Resolution<N>;
  /** Set when this link is missing (or not a file). */
  broken?: boolean;
}

export interface ExecChain<N extends LinkNode = LinkNode> {
  links: ChainLink<N>[];
  /** The first broken link, if any. */
  broken?: ChainLink<N>;
  /** What `docker run` prints when the chain is broken. */
  error?: string;
  /** A file could not be judged (unreadable head, ELF headers past ELF_HEAD_MAX): the chain is not claimed broken. */
  unknown?: string;
}

/** The first `max` bytes of a regular file (or what a hardlink points to); undefined when it cannot be read. */
export type HeadReader<N> = (node: N, path: string, max: number) => Promise<Uint8Array | undefined>;

function abs(p: string): string {
  return `/${p}`;
}

/** Finds a bare command name on PATH as Go's exec.LookPath does (first match that is not a directory). */
function lookPath<N extends LinkNode>(lookup: Lookup<N>, name: string, dirs: string[]): Resolution<N> | undefined {
  for (const d of dirs) {
    const r = resolve(lookup, `${d}/${name}`);
    if (!r.error && r.node && r.node.type !== 'dir') return r;
  }
  return undefined;
}

/** Follows the exec chain of `cmd` through `lookup`. */
export async function execChain<N extends LinkNode>(lookup: Lookup<N>, cmd: ImageCommand, readHead: HeadReader<N>): Promise<ExecChain<N>> {
  const chain: ExecChain<N> = { links: [] };
  const argv0 = cmd.argv[0];
  const fail = (link: ChainLink<N>, error: string) => {
    link.broken = true;
    chain.broken = link;
    chain.error = error;
    return chain;
  };
  let first: ChainLink<N>;
  if (!argv0.includes('/')) {
    first = { kind: 'command', name: argv0 };
    chain.links.push(first);
    const r = lookPath(lookup, argv0, cmd.path);
    if (!r) return fail(first, `exec: "${argv0}": executable file not found in $PATH`);
    first.resolution = r;
  } else {
    const full = argv0.startsWith('/') ? argv0 : `${cmd.workdir}/${argv0}`;
    first = { kind: 'command', name: argv0, resolution: resolve(lookup, full) };
    chain.links.push(first);
    const r = first.resolution!;
    if (r.error || !r.node || r.node.type === 'dir') return fail(first, `exec: "${argv0}": stat ${argv0}: no such file or directory`);
  }
  // Each file of the chain: a script names its interpreter, a dynamic ELF its loader.
  let file = first;
  for (let depth = 0; depth <= MAX_INTERPRETERS; depth++) {
    const r = file.resolution!;
    const head = await readHead(r.node!, r.path, SHEBANG_MAX);
    if (!head) {
      chain.unknown = `${abs(r.path)} could not be read`;
      return chain;
    }
    const enoent = `exec ${argv0}: no such file or directory`;
    if (head[0] === 0x23 && head[1] === 0x21) {
      const { interp, arg } = parseShebang(head);
      if (!interp) return chain; // the kernel would refuse (ENOEXEC): not this check's business
      const link: ChainLink<N> = { kind: 'interpreter', name: interp, resolution: resolve(lookup, interp) };
      chain.links.push(link);
      const ir = link.resolution!;
      if (ir.error || !ir.node || ir.node.type === 'dir') return fail(link, enoent);
      if (/(^|\/)env$/.test(interp) && arg && !arg.startsWith('-')) {
        const name = arg.split(/\s+/)[0];
        const target: ChainLink<N> = { kind: 'env-target', name };
        chain.links.push(target);
        const tr = name.includes('/') ? resolve(lookup, name) : lookPath(lookup, name, cmd.path);
        target.resolution = tr;
        // env itself starts, then fails: `/usr/bin/env: 'NAME': No such file or directory`, exit 127.
        if (!tr || tr.error || !tr.node || tr.node.type === 'dir') return fail(target, `/usr/bin/env: '${name}': No such file or directory`);
      }
      file = link;
      continue;
    }
    if (head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46) {
      const interp = await elfInterpreter(head, (max) => readHead(r.node!, r.path, max));
      if (interp === null) {
        chain.unknown = `${abs(r.path)}: ELF headers beyond ${ELF_HEAD_MAX} bytes or unreadable`;
        return chain;
      }
      if (interp === undefined) return chain; // static
      const link: ChainLink<N> = { kind: 'loader', name: interp, resolution: resolve(lookup, interp) };
      chain.links.push(link);
      const lr = link.resolution!;
      if (lr.error || !lr.node || lr.node.type === 'dir') return fail(link, enoent);
    }
    return chain;
  }
  return chain;
}

/** `#!interp arg` as Linux splits it: the interpreter up to the first blank, the rest (trimmed) as one argument. */
export function parseShebang(head: Uint8Array): { interp: string; arg: string } {
  let end = head.indexOf(0x0a);
  if (end < 0) end = head.length;
  const line = new TextDecoder('latin1').decode(head.subarray(2, end)).replace(/\r$/, '').trim();
  const m = /^(\S+)\s*(.*)$/.exec(line);
  return { interp: m?.[1] ?? '', arg: (m?.[2] ?? '').trim() };
}

/**
 * The PT_INTERP path of an ELF file: undefined for a static binary, null when the headers lie beyond what may be
 * read. Reads the ELF header, then (if needed) more of the head up to the program headers and the path.
 */
export async function elfInterpreter(head: Uint8Array, more: (max: number) => Promise<Uint8Array | undefined>): Promise<string | undefined | null> {
  if (head.length < 52) {
    const h = await more(64);
    if (!h || h.length < 52) return null;
    head = h;
  }
  const is64 = head[4] === 2;
  const le = head[5] !== 2;
  const dv = () => new DataView(head.buffer, head.byteOffset, head.byteLength);
  const num = (off: number, size: 2 | 4 | 8) => {
    const v = dv();
    if (size === 2) return v.getUint16(off, le);
    if (size === 4) return v.getUint32(off, le);
    return Number(v.getBigUint64(off, le));
  };
  const need = async (end: number) => {
    if (end <= head.length) return true;
    if (end > ELF_HEAD_MAX) return false;
    const h = await more(Math.max(end, 4096));
    if (!h || h.length < end) return false;
    head = h;
    return true;
  };
  if (!(await need(is64 ? 64 : 52))) return null;
  const phoff = is64 ? num(32, 8) : num(28, 4);
  const phentsize = num(is64 ? 54 : 42, 2);
  const phnum = num(is64 ? 56 : 44, 2);
  if (phnum === 0) return undefined;
  if (phentsize < (is64 ? 56 : 32) || !(await need(phoff + phentsize * phnum))) return null;
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    if (num(o, 4) !== 3 /* PT_INTERP */) continue;
    const off = is64 ? num(o + 8, 8) : num(o + 4, 4);
    const size = is64 ? num(o + 32, 8) : num(o + 16, 4);
    if (!(await need(off + size))) return null;
    let s = head.subarray(off, off + size);
    const nul = s.indexOf(0);
    if (nul >= 0) s = s.subarray(0, nul);
    return new TextDecoder().decode(s);
  }
  return undefined;
}
