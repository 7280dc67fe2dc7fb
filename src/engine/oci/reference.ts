// Image references as Docker and the OCI distribution spec define them (distribution/reference grammar):
//   reference := name [ ":" tag ] [ "@" digest ]
//   name      := [ domain "/" ] path-component ( "/" path-component )*      (at most 255 characters)
//   domain    := host [ ":" port ]            path-component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
//   tag       := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}                    digest := algorithm ":" hex (sha256: 64)
// layerwright also takes a bare tag (`latest`, `1.0`): it names the image in the archive (ref.name) without a
// repository. Messages are plain words for the Tag field and the CLI.

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const NAME_MAX = 255;

export interface Reference {
  /** Repository with its domain when given; undefined for a bare tag. */
  name?: string;
  tag?: string;
  digest?: string;
}

function isDomain(s: string): boolean {
  const m = /^(\[[0-9a-fA-F:]+\]|[^:]+)(?::([0-9]+))?$/.exec(s); // host (or [IPv6 literal]), optional :port
  if (!m) return false;
  return m[1].startsWith('[') || m[1].split('.').every((c) => DOMAIN_COMPONENT.test(c));
}

/** Why `s` is not a reference (or a bare tag), in plain words; undefined when it is one. */
export function referenceError(s: string): string | undefined {
  const q = `“${s}”`;
  if (s === '') return 'A tag cannot be empty.';
  if (/\s/.test(s)) return `${q} contains a space; a tag cannot (separate several tags with commas).`;
  if (!s.includes('/') && !s.includes(':') && !s.includes('@'))
    return TAG.test(s) || PATH_COMPONENT.test(s) ? undefined : `${q} is not a valid tag: use letters, digits, _ . - (up to 128), starting with a letter, digit or _.`;
  return parseError(s);
}

function parseError(s: string): string | undefined {
  const q = `“${s}”`;
  let rest = s;
  const at = rest.indexOf('@');
  if (at >= 0) {
    if (!DIGEST.test(rest.slice(at + 1))) return `${q}: the part after @ is not a digest (sha256:<64 hex digits>).`;
    rest = rest.slice(0, at);
  }
  // The tag is after the last ':' that follows the last '/' (a ':' before it is a registry port).
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    const tag = rest.slice(colon + 1);
    if (!TAG.test(tag)) return `${q}: the tag “${tag}” may hold only letters, digits, _ . - (up to 128), starting with a letter, digit or _.`;
    rest = rest.slice(0, colon);
  }
  if (rest.length > NAME_MAX) return `${q}: the repository name is longer than ${NAME_MAX} characters.`;
  const parts = rest.split('/');
  if (parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost')) {
    if (!isDomain(parts[0])) return `${q}: “${parts[0]}” is not a registry host name.`;
    parts.shift();
  }
  for (const p of parts)
    if (!PATH_COMPONENT.test(p))
      return `${q}: the repository part “${p}” must be lowercase letters and digits, joined by single . _ or - (or __).`;
  return undefined;
}

/** Splits the Tag field (commas or new lines) and checks each; whitespace inside a tag is an error, never a split. */
export function parseTagList(field: string): { tags: string[]; errors: string[] } {
  const tags = field.split(/[,\n]/).map((t) => t.trim()).filter(Boolean);
  const errors = tags.map(referenceError).filter((e): e is string => !!e);
  return { tags, errors };
}
