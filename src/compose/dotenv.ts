// `.env` files as Docker Compose reads them (compose-go's dotenv parser, which Node's `dotenv` package does
// not match): variables for interpolation, `COMPOSE_*` settings and `env_file`.
import { UserError, type Loc, type Warn } from "./errors.js";
import { interpolate } from "./interpolate.js";

/** A variable's value, or undefined when it is not set (set-but-empty is ""). */
export type Lookup = (name: string) => string | undefined;

/** compose-go also takes `.`, `-`, `[` and `]`; a leading digit is refused, as `$1X` could never refer to it */
const NAME = /^[\p{L}_][\p{L}\p{N}_.\-[\]]*$/u;
/** blank lines, indentation and `#` comment lines before a statement */
const GAP = /(?:\s|#[^\n]*)*/y;
/** `[export ]KEY=`, the YAML-like `KEY:`, or a bare `KEY` alone on its line; then the blanks before the value */
const KEY = /(?:export[ \t]+)?([^=:\n]*)([=:]?)[ \t]*/y;
/** all a line may hold after a closing quote */
const AFTER_QUOTE = /[ \t\r]*(?:#[^\n]*)?(?:\n|$)/y;
/** backslash escapes of double-quoted values; `\$` becomes `$$` so interpolation leaves a literal `$` */
const ESCAPES: Record<string, string> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", '"': '"', "\\": "\\", $: "$$" };

/**
 * The variables `text` defines, in file order. Values interpolate variables defined earlier in the file,
 * then `lookup`; a bare `KEY` line takes its value from `lookup`, and is left out when that is unset.
 */
export function parseDotenv(file: string, text: string, lookup: Lookup, warn: Warn = () => {}): Record<string, string> {
  const vars = new Map<string, string>();
  const known: Lookup = (name) => vars.get(name) ?? lookup(name);
  const locAt = (offset: number): Loc => {
    const before = text.slice(0, offset);
    return { file, line: before.split("\n").length, col: offset - before.lastIndexOf("\n") };
  };

  let pos = skipGap(text, text.startsWith("\uFEFF") ? 1 : 0);
  while (pos < text.length) {
    KEY.lastIndex = pos;
    const [statement, rawKey, separator] = KEY.exec(text)!; // KEY matches anywhere: all its parts may be empty
    const key = rawKey.trim();
    if (!NAME.test(key)) {
      throw new UserError(`invalid variable name "${key}" (use letters, digits and "_", starting with a letter or "_")`, { loc: locAt(pos) });
    }
    const valueAt = pos + statement.length;
    if (separator === "") {
      const inherited = lookup(key);
      if (inherited !== undefined) vars.set(key, inherited);
      pos = skipGap(text, valueAt);
      continue;
    }
    const where = { loc: locAt(valueAt), path: [key] };
    const quote = text[valueAt];
    if (quote === "'" || quote === '"') {
      const close = closingQuote(text, valueAt);
      if (close < 0) throw new UserError(`unterminated quoted value (add the closing ${quote})`, where);
      const raw = text.slice(valueAt + 1, close);
      vars.set(key, quote === "'" ? raw : interpolate(unescape(raw), known, where, warn));
      AFTER_QUOTE.lastIndex = close + 1;
      if (!AFTER_QUOTE.test(text)) {
        throw new UserError(`unexpected text after the closing quote (only a "#" comment may follow)`, { loc: locAt(close + 1), path: [key] });
      }
      pos = skipGap(text, AFTER_QUOTE.lastIndex);
    } else {
      const newline = text.indexOf("\n", valueAt);
      const lineEnd = newline < 0 ? text.length : newline;
      // a `#` after a blank starts a comment; `a#b` is a value
      const raw = text.slice(valueAt, lineEnd).split(/[ \t]#/)[0].trimEnd();
      vars.set(key, interpolate(raw, known, where, warn));
      pos = skipGap(text, lineEnd);
    }
  }
  return Object.fromEntries(vars);
}

/** Offset of the next statement at or after `from`. */
function skipGap(text: string, from: number): number {
  GAP.lastIndex = from;
  GAP.exec(text);
  return GAP.lastIndex;
}

/** Index of the quote closing the one at `open`; a quote after an odd number of backslashes is escaped. */
function closingQuote(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === text[open]) return i;
  }
  return -1;
}

function unescape(raw: string): string {
  return raw.replace(/\\([abfnrtv"\\$])/g, (_, char: string) => ESCAPES[char]);
}
