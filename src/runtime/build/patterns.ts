// Path patterns: COPY/ADD source globs (Go's filepath.Match: *, ?, [...]) and .dockerignore rules (the same plus
// `**` for any number of directories, `!` exceptions, the last matching rule winning).
import { posix } from "node:path";

/** A regular expression for the pattern; `*` and `?` never cross a `/`, `**` does. */
export function patternRegex(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "*" && pattern[i + 1] === "*") {
      // `**/` matches zero or more directories; a trailing `**` anything.
      i++;
      if (pattern[i + 1] === "/") {
        i++;
        source += "(?:.*/)?";
      } else source += ".*";
    } else if (ch === "*") source += "[^/]*";
    else if (ch === "?") source += "[^/]";
    else if (ch === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end < 0) throw new Error(`syntax error in pattern "${pattern}": unclosed [`);
      const body = pattern.slice(i + 1, end).replace(/^\^/, "!");
      source += `[${body.startsWith("!") ? "^" + body.slice(1) : body}]`;
      i = end;
    } else if (ch === "\\" && i + 1 < pattern.length) source += escapeRegex(pattern[++i]!);
    else source += escapeRegex(ch);
  }
  return new RegExp(`^${source}$`);
}

const escapeRegex = (text: string) => text.replace(/[.+^${}()|[\]\\]/g, "\\$&");

export const hasWildcard = (pattern: string) => /[*?[]/.test(pattern);

interface IgnoreRule {
  regex: RegExp;
  exception: boolean;
}

/** The rules of a .dockerignore file. */
export class IgnoreRules {
  readonly #rules: IgnoreRule[];

  constructor(text: string) {
    this.#rules = text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#"))
      .flatMap((line) => {
        const exception = line.startsWith("!");
        const cleaned = posix.normalize(exception ? line.slice(1).trim() : line).replace(/^\/+/, "").replace(/\/+$/, "");
        return cleaned === "" || cleaned === "." ? [] : [{ regex: patternRegex(cleaned), exception }];
      });
  }

  /** Whether the context path `path` (relative, `/`-separated) is excluded; a match on a parent directory excludes its content. */
  ignores(path: string): boolean {
    const parents = path.split("/").map((_, i, parts) => parts.slice(0, i + 1).join("/"));
    let ignored = false;
    for (const rule of this.#rules) {
      if (parents.some((p) => rule.regex.test(p))) ignored = !rule.exception;
    }
    return ignored;
  }
}
