// The image config a build writes, with the seed's semantics (meta-virtualization image-oci.bbclass +
// image-oci-umoci.inc):
//  - CMD defaults to `/bin/sh`, ENTRYPOINT to empty; a legacy ENTRYPOINT_ARGS, when set, becomes CMD and wins
//    over CMD. Values are split like Python's `shlex.split` (POSIX mode, no comments).
//  - An empty value means "not set": the seed skips the `umoci config` call, so the base's field is kept.
//  - env `K=V` and labels `k=v` replace an entry with the same key (umoci's --config.env/--config.label) and
//    otherwise append; ports `N[/tcp|/udp]` are added to ExposedPorts.
//  - auto labels org.opencontainers.image.{created,revision,ref.name}; created honours SOURCE_DATE_EPOCH.
// Pure functions, no I/O: the UI calls them for live previews and field errors.

import { LwError } from '../errors';
import type { ContainerConfig, HistoryEntry, ImageConfig } from '../oci/types';
import { referenceError } from '../oci/reference';

/** Everything a user can set for a build (CLI flags, UI fields). Strings are as typed; '' means "not set". */
export interface BuildSettings {
  cmd?: string;
  entrypoint?: string;
  /** Legacy OCI_IMAGE_ENTRYPOINT_ARGS: when non-empty it becomes CMD, winning over `cmd`. */
  entrypointArgs?: string;
  env?: string[];
  labels?: string[];
  ports?: string[];
  user?: string;
  workdir?: string;
  stopSignal?: string;
  author?: string;
  os?: string;
  architecture?: string;
  variant?: string;
  /** Tags of the result (OCI ref.name); default ['latest']. */
  tags?: string[];
  /** Seconds since the epoch: fixes `created` and clamps every new entry's mtime → reproducible output. */
  sourceDateEpoch?: number;
  /** OCI_IMAGE_AUTO_LABELS (default true): add org.opencontainers.image.created (+ revision/ref.name if given). */
  autoLabels?: boolean;
  revision?: string;
  refName?: string;
  /** Layer options (see build/): carry base files into merged-usr targets, drop unchanged files, split rules. */
  usrmergeCarry?: boolean;
  dropIdentical?: boolean;
  split?: string;
}

/** The seed's defaults (image-oci.bbclass after the multi-layer patch). */
export const SEED_DEFAULTS = {
  cmd: '/bin/sh',
  entrypoint: '',
  entrypointArgs: '',
  tags: ['latest'],
  autoLabels: true,
} as const;

/** Settings with the seed defaults filled in where a field was not given at all (undefined). */
export function withDefaults(s: BuildSettings): BuildSettings {
  return {
    ...s,
    cmd: s.cmd ?? SEED_DEFAULTS.cmd,
    entrypoint: s.entrypoint ?? SEED_DEFAULTS.entrypoint,
    entrypointArgs: s.entrypointArgs ?? SEED_DEFAULTS.entrypointArgs,
    tags: s.tags && s.tags.length ? s.tags : [...SEED_DEFAULTS.tags],
    autoLabels: s.autoLabels ?? SEED_DEFAULTS.autoLabels,
  };
}

const SHELL_WS = ' \t\r\n';

/**
 * Splits like Python's `shlex.split(s)` (posix=True, comments=False, whitespace_split=True):
 * - outside quotes a backslash takes the next character literally;
 * - '...' is literal; inside "..." a backslash escapes only `"` and `\` (otherwise it is kept);
 * - adjacent quoted/unquoted parts join into one word; `''` yields an empty word.
 * Unbalanced quotes or a trailing backslash throw `invalid-argument` (shlex: "No closing quotation" /
 * "No escaped character"), with `where.field` set so the UI can show it at the field.
 */
export function shellSplit(s: string, field = 'value'): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false; // true once a word has started (even an empty quoted one)
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (SHELL_WS.includes(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      i++;
    } else if (c === '\\') {
      if (i + 1 >= s.length) throw new LwError('invalid-argument', `${field}: a trailing backslash escapes nothing.`, { field });
      cur += s[i + 1];
      inWord = true;
      i += 2;
    } else if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw new LwError('invalid-argument', `${field}: the single quote at position ${i + 1} is never closed.`, { field });
      cur += s.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      let closed = false;
      while (j < s.length) {
        const d = s[j];
        if (d === '"') {
          closed = true;
          break;
        }
        if (d === '\\' && j + 1 < s.length && (s[j + 1] === '"' || s[j + 1] === '\\')) {
          cur += s[j + 1];
          j += 2;
          continue;
        }
        cur += d;
        j++;
      }
      if (!closed) throw new LwError('invalid-argument', `${field}: the double quote at position ${i + 1} is never closed.`, { field });
      inWord = true;
      i = j + 1;
    } else {
      cur += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** `K=V` with a non-empty K without '=' or whitespace; V may hold '=' and spaces. */
export function parseKeyValue(s: string, field: string): [string, string] {
  const eq = s.indexOf('=');
  const key = eq < 0 ? s : s.slice(0, eq);
  if (eq <= 0 || /\s/.test(key))
    throw new LwError('invalid-argument', `${field}: "${s}" is not KEY=VALUE (a non-empty key without spaces, then '=').`, { field });
  return [key, s.slice(eq + 1)];
}

/** `N`, `N/tcp` or `N/udp` with 1 ≤ N ≤ 65535 → the ExposedPorts key (`N/tcp` when no protocol is given). */
export function parsePort(s: string): string {
  const m = /^(\d{1,5})(?:\/(tcp|udp))?$/i.exec(s.trim());
  const n = m ? Number(m[1]) : NaN;
  if (!m || n < 1 || n > 65535)
    throw new LwError('invalid-argument', `Ports: "${s}" is not a port: use N, N/tcp or N/udp with N from 1 to 65535.`, { field: 'ports' });
  return `${n}/${(m[2] ?? 'tcp').toLowerCase()}`;
}

const SIGNAL_RE = /^(?:\d{1,2}|(?:SIG)?[A-Z][A-Z0-9]*(?:[+-]\d{1,2})?)$/;

/** RFC 3339 UTC seconds, like the seed's `date -u +%Y-%m-%dT%H:%M:%SZ`. */
export function isoSeconds(epochSeconds: number): string {
  return new Date(Math.floor(epochSeconds) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function parseSourceDateEpoch(v: string | number | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = typeof v === 'number' ? v : /^\d+$/.test(v.trim()) ? Number(v.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < 0 || n > 253402300799)
    throw new LwError('invalid-argument', `SOURCE_DATE_EPOCH: "${v}" is not a whole number of seconds since 1970.`, { field: 'sourceDateEpoch' });
  return n;
}

/** What CMD and ENTRYPOINT become; undefined = keep the base's value. For live previews. */
export function resolveCommand(s: BuildSettings): { cmd?: string[]; entrypoint?: string[] } {
  const out: { cmd?: string[]; entrypoint?: string[] } = {};
  if (s.entrypoint && s.entrypoint.trim() !== '') out.entrypoint = shellSplit(s.entrypoint, 'entrypoint');
  if (s.entrypointArgs && s.entrypointArgs.trim() !== '') out.cmd = shellSplit(s.entrypointArgs, 'entrypointArgs');
  else if (s.cmd && s.cmd.trim() !== '') out.cmd = shellSplit(s.cmd, 'cmd');
  return out;
}

/** Every field error at once (for the UI); empty when the settings are valid. */
export function validateSettings(s: BuildSettings): { field: string; message: string }[] {
  const errors: { field: string; message: string }[] = [];
  const tryIt = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      if (e instanceof LwError) errors.push({ field: e.where.field ?? 'value', message: e.message });
      else throw e;
    }
  };
  if (s.entrypoint) tryIt(() => shellSplit(s.entrypoint!, 'entrypoint'));
  if (s.entrypointArgs) tryIt(() => shellSplit(s.entrypointArgs!, 'entrypointArgs'));
  if (s.cmd) tryIt(() => shellSplit(s.cmd!, 'cmd'));
  for (const e of s.env ?? []) tryIt(() => parseKeyValue(e, 'env'));
  for (const l of s.labels ?? []) tryIt(() => parseKeyValue(l, 'labels'));
  for (const p of s.ports ?? []) tryIt(() => parsePort(p));
  if (s.stopSignal && !SIGNAL_RE.test(s.stopSignal.trim()))
    errors.push({ field: 'stopSignal', message: `Stop signal: "${s.stopSignal}" is not a signal name (SIGTERM, SIGRTMIN+3) or number.` });
  if (s.workdir && /[\0\n]/.test(s.workdir)) errors.push({ field: 'workdir', message: 'Working dir: must not contain NUL or newlines.' });
  // The reference grammar Docker and containerd apply (oci/reference.ts): a tag they would drop is refused here.
  for (const t of s.tags ?? []) {
    const why = referenceError(t);
    if (why) errors.push({ field: 'tags', message: `Tag: ${why}` });
  }
  if (s.sourceDateEpoch !== undefined) tryIt(() => parseSourceDateEpoch(s.sourceDateEpoch));
  return errors;
}

function setKey(list: string[], key: string, entry: string): string[] {
  const i = list.findIndex((e) => e === key || e.startsWith(`${key}=`));
  if (i < 0) return [...list, entry];
  const out = list.slice();
  out[i] = entry;
  return out;
}

/**
 * The new image's config: the base's (all fields, even unknown ones, kept) with the settings applied. Throws
 * `invalid-argument` (where.field set) on the first invalid field. `now` is used when no SOURCE_DATE_EPOCH is set.
 * rootfs/history are the base's; the caller appends the new layers' diff_ids and history entries.
 */
export function applyConfig(base: ImageConfig | undefined, settings: BuildSettings, now: Date = new Date()): ImageConfig {
  const s = settings;
  const errors = validateSettings(s);
  if (errors.length) throw new LwError('invalid-argument', errors[0].message, { field: errors[0].field });
  const created = s.sourceDateEpoch !== undefined ? isoSeconds(s.sourceDateEpoch) : isoSeconds(now.getTime() / 1000);

  const cfg: ImageConfig = base
    ? structuredClone(base)
    : { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } };
  cfg.rootfs = { type: 'layers', diff_ids: [...(base?.rootfs?.diff_ids ?? [])] };
  if (base?.history) cfg.history = base.history.map((h) => ({ ...h }));
  cfg.created = created;
  if (s.author) cfg.author = s.author;
  if (s.os) cfg.os = s.os;
  if (s.architecture) cfg.architecture = s.architecture;
  if (s.variant) cfg.variant = s.variant;
  if (!cfg.os) cfg.os = 'linux';
  if (!cfg.architecture) cfg.architecture = 'amd64';

  const c: ContainerConfig = { ...(cfg.config ?? {}) };
  const { cmd, entrypoint } = resolveCommand(s);
  if (entrypoint) c.Entrypoint = entrypoint;
  if (cmd) c.Cmd = cmd;
  let env = [...(c.Env ?? [])];
  for (const e of s.env ?? []) env = setKey(env, parseKeyValue(e, 'env')[0], e);
  if (env.length) c.Env = env;
  const labels: Record<string, string> = { ...(c.Labels ?? {}) };
  for (const l of s.labels ?? []) {
    const [k, v] = parseKeyValue(l, 'labels');
    labels[k] = v;
  }
  if (s.autoLabels ?? SEED_DEFAULTS.autoLabels) {
    labels['org.opencontainers.image.created'] = created;
    if (s.revision) labels['org.opencontainers.image.revision'] = s.revision;
    if (s.refName) labels['org.opencontainers.image.ref.name'] = s.refName;
  }
  if (Object.keys(labels).length) c.Labels = labels;
  if (s.ports?.length) {
    const ports: Record<string, object> = { ...(c.ExposedPorts ?? {}) };
    for (const p of s.ports) ports[parsePort(p)] = {};
    c.ExposedPorts = ports;
  }
  if (s.user) c.User = s.user;
  if (s.workdir) c.WorkingDir = s.workdir;
  if (s.stopSignal) c.StopSignal = s.stopSignal.trim();
  cfg.config = c;
  return cfg;
}

/** A history entry for one new layer; `createdBy` says what made it (deterministic: no paths of this machine). */
export function historyEntry(settings: BuildSettings, createdBy: string, now: Date = new Date()): HistoryEntry {
  const h: HistoryEntry = {
    created: settings.sourceDateEpoch !== undefined ? isoSeconds(settings.sourceDateEpoch) : isoSeconds(now.getTime() / 1000),
    created_by: createdBy,
  };
  if (settings.author) h.author = settings.author;
  return h;
}
