// The Build view's form as plain strings (what the user types), its conversion to engine BuildSettings, and
// presets saved in IndexedDB (idb-keyval) so a configuration can be re-applied later.

import { get, set } from 'idb-keyval';
import { SEED_DEFAULTS, parseSourceDateEpoch, type BuildSettings } from '../engine/ops/config';
import { parseTagList } from '../engine/oci/reference';

export interface BuildForm {
  cmd: string;
  entrypoint: string;
  entrypointArgs: string;
  /** One K=V per line. */
  env: string;
  /** One k=v per line (values may hold spaces). */
  labels: string;
  /** Space-separated N[/tcp|/udp]. */
  ports: string;
  user: string;
  workdir: string;
  stopSignal: string;
  author: string;
  os: string;
  architecture: string;
  variant: string;
  /** Separated by commas or new lines; empty = `latest`. */
  tags: string;
  sourceDateEpoch: string;
  usrmergeCarry: boolean;
  dropIdentical: boolean;
  split: string;
}

/** The defaults: CMD /bin/sh, no ENTRYPOINT; the Tag field starts empty (the image is then tagged `latest`). */
export function defaultForm(): BuildForm {
  return {
    cmd: SEED_DEFAULTS.cmd,
    entrypoint: SEED_DEFAULTS.entrypoint,
    entrypointArgs: SEED_DEFAULTS.entrypointArgs,
    env: '',
    labels: '',
    ports: '',
    user: '',
    workdir: '',
    stopSignal: '',
    author: '',
    os: '',
    architecture: '',
    variant: '',
    tags: '',
    sourceDateEpoch: '',
    usrmergeCarry: false,
    dropIdentical: false,
    split: '',
  };
}

const lines = (s: string) => s.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
const words = (s: string) => s.split(/\s+/).filter(Boolean);

/**
 * The settings the engine takes. A bad SOURCE_DATE_EPOCH throws LwError (field sourceDateEpoch); everything else
 * is validated by validateSettings/applyConfig.
 */
export function formToSettings(f: BuildForm): BuildSettings {
  return {
    cmd: f.cmd,
    entrypoint: f.entrypoint,
    entrypointArgs: f.entrypointArgs,
    env: lines(f.env),
    labels: lines(f.labels),
    ports: words(f.ports),
    user: f.user.trim(),
    workdir: f.workdir.trim(),
    stopSignal: f.stopSignal.trim(),
    author: f.author.trim(),
    os: f.os.trim(),
    architecture: f.architecture.trim(),
    variant: f.variant.trim(),
    tags: f.tags.trim() ? parseTagList(f.tags).tags : undefined,
    sourceDateEpoch: parseSourceDateEpoch(f.sourceDateEpoch.trim()),
    // Unchecked = the engine decides (on exactly when the image's command needs it); checked = always.
    usrmergeCarry: f.usrmergeCarry ? true : undefined,
    dropIdentical: f.dropIdentical,
    split: f.split.trim() || undefined,
  };
}

export interface BuildPreset {
  name: string;
  form: BuildForm;
  builtin?: boolean;
}

/** The tag an image gets when the Tag field is empty. */
export const DEFAULT_TAG = SEED_DEFAULTS.tags[0];

/** Shipped presets (not stored): the defaults, and a merged-usr (Yocto) app on a classic base image. */
export const BUILTIN_PRESETS: BuildPreset[] = [
  { name: 'Defaults: CMD /bin/sh, no ENTRYPOINT, tag latest', form: defaultForm(), builtin: true },
  { name: 'merged-usr app on a classic base', form: { ...defaultForm(), usrmergeCarry: true }, builtin: true },
];

const KEY = 'layerwright:build-presets';

/** Stored presets, sorted by name; forms are completed with defaults (older presets may lack new fields). */
export async function loadPresets(): Promise<BuildPreset[]> {
  const stored = ((await get<BuildPreset[]>(KEY)) ?? []).filter((p) => p && typeof p.name === 'string' && p.form);
  return stored.map((p) => ({ name: p.name, form: { ...defaultForm(), ...p.form } })).sort((a, b) => a.name.localeCompare(b.name));
}

export async function savePreset(name: string, form: BuildForm): Promise<BuildPreset[]> {
  const all = (await loadPresets()).filter((p) => p.name !== name);
  all.push({ name, form: { ...form } });
  await set(KEY, all);
  return loadPresets();
}

export async function deletePreset(name: string): Promise<BuildPreset[]> {
  await set(KEY, (await loadPresets()).filter((p) => p.name !== name));
  return loadPresets();
}
