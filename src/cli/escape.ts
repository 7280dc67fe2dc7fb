// Text for people on a terminal (issue 14): names, tags, labels and messages come from the image, and a hostile
// image must not be able to retitle or clear the terminal, or print a fake "OK", with raw ESC/OSC sequences, nor
// reorder what is shown with bidi overrides (`innocent\u202Egpj.exe` shown as `innocentexe.jpg`). The CLI
// context (context.ts) passes every text line a verb prints (out, err) through esc(), and every piece of its
// --json output (outJson) through inertJson().

/** Bidi formatting characters: ALM, LRM, RLM, LRE..RLO, LRI..PDI. */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const NAMED: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\v': '\\v', '\f': '\\f', '\r': '\\r' };

function octalBytes(ch: string): string {
  return [...new TextEncoder().encode(ch)].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('');
}

/**
 * Escapes C0 controls, DEL, C1 controls and bidi formatting characters the way `ls -b` writes unprintable bytes:
 * C escapes for the named ones (\t, \n, ...), otherwise each UTF-8 byte in octal (ESC -> \033, U+202E ->
 * \342\200\256). Everything else, including other non-ASCII text, is kept.
 */
export function esc(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || BIDI.test(ch)) out += NAMED[ch] ?? octalBytes(ch);
    else out += ch;
  }
  return out;
}

/**
 * A piece of --json output (cli/output.ts jsonPieces): JSON.stringify escapes C0 in strings but writes DEL, C1 and
 * bidi characters raw; here they become \u escapes too (the same JSON value), so even JSON on a terminal is inert.
 * Each is one UTF-16 unit, so pieces can be escaped one by one.
 */
export function inertJson(piece: string): string {
  return piece.replace(/[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
