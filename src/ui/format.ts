// Number and text formatting for the UI.

export { formatBytes } from '../engine/units';

/** Bytes per second as "12.3 MB/s" (decimal-free MiB math; matches formatBytes). */
export function formatRate(bytesPerSecond: number | undefined): string {
  if (!bytesPerSecond || !Number.isFinite(bytesPerSecond)) return '— MB/s';
  return `${(bytesPerSecond / (1024 * 1024)).toFixed(1)} MB/s`;
}

export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 1) return '< 1 s';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** "sha256:0123456789ab…" — enough to tell blobs apart in a sentence; the full digest is shown nearby. */
export function shortDigest(d: string): string {
  const m = /^([a-z0-9]+):([a-f0-9]+)$/.exec(d);
  return m && m[2].length > 12 ? `${m[1]}:${m[2].slice(0, 12)}…` : d;
}

export function mediaTypeShort(mt: string): string {
  return mt
    .replace('application/vnd.oci.image.layer.v1.', 'OCI ')
    .replace('application/vnd.oci.image.', 'OCI ')
    .replace('application/vnd.docker.image.rootfs.diff.', 'Docker ')
    .replace('application/vnd.docker.', 'Docker ');
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** Bidi formatting characters (ALM, LRM, RLM, LRE..RLO, LRI..PDI) and C0/DEL/C1 controls. */
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Names, tags and labels from an image as text a person can trust (issue 14): bidi overrides and control
 * characters are shown as `<U+202E>` instead of acting (a tag `innocent\u202Egpj.exe` would otherwise read
 * `innocentexe.jpg`). Everything else is kept; Svelte renders the result as text.
 */
export function visible(text: string): string {
  return text.replace(INVISIBLE, (ch) => `<U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}>`);
}
