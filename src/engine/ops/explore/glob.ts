// Search in the file browser: what the user types into "Filter files" as a path matcher. Pure, no DOM.
//  - a leading '/' (or './') is ignored: paths are stored relative ('etc/os-release'), people type them absolute;
//  - text without glob characters (* ? [) stays a plain, case-insensitive substring match;
//  - a glob without '/' matches the base name at any depth ('*.conf' finds etc/nginx/nginx.conf);
//  - a glob with '/' matches the whole path ('etc/*.conf', '**/*.so*'): '*' and '?' stay inside one path segment,
//    '**' crosses segments ('**/' also matches no folder at all), '[abc]' / '[a-z]' / '[!abc]' one character.
// Globs are case-insensitive too, like the substring match, so '*.CONF' and '*.conf' find the same files.

export type PathMatcher = (path: string) => boolean;

/** Whether `text` is a glob (has *, ? or [). */
export function isGlob(text: string): boolean {
  return /[*?[]/.test(text);
}

/** The filter text without surrounding space, a leading '/' or './', or a trailing '/'. */
export function cleanPattern(text: string): string {
  let t = text.trim();
  while (t.startsWith('./')) t = t.slice(2);
  t = t.replace(/^\/+/, '');
  if (t.length > 1) t = t.replace(/\/+$/, '');
  return t;
}

/** A matcher for the filter text; undefined when the text is empty (everything matches). */
export function pathMatcher(text: string): PathMatcher | undefined {
  const t = cleanPattern(text);
  if (!t) return undefined;
  if (!isGlob(t)) {
    const needle = t.toLowerCase();
    return (p) => p.toLowerCase().includes(needle);
  }
  const re = new RegExp(`^${globSource(t)}$`, 'i');
  if (t.includes('/')) return (p) => re.test(p);
  return (p) => re.test(p.slice(p.lastIndexOf('/') + 1));
}

/** The regular-expression source of a glob (without anchors). */
export function globSource(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // '**/' = any number of whole folders (none too); a lone '**' = anything, slashes included.
        const slash = glob[i + 2] === '/';
        out += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) {
        out += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      const negate = body[0] === '!' || body[0] === '^';
      if (negate) body = body.slice(1);
      // Inside a class only '\', ']' and '^' are special to a RegExp; '-' keeps its range meaning.
      body = body.replace(/[\\\]^]/g, '\\$&');
      out += negate ? `[^/${body}]` : `[${body}]`;
      i = end;
    } else out += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return out;
}
