// `command`, `entrypoint` and hook commands: a string is split into words as a POSIX shell would, without
// expanding anything (compose-go's ShellCommand, via go-shellwords).
import { ValueError, located, type Path } from "../errors.js";
import type { NormalizeContext } from "../normalize.js";
import { at } from "./values.js";

export function normalizeCommand(value: unknown, path: Path, ctx: NormalizeContext): string[] {
  if (Array.isArray(value)) return value.map(String);
  return located(at(ctx, path), () => splitShellWords(String(value)));
}

/** Words separated by blanks; quotes group, and a backslash escapes the next character (except inside ''). */
export function splitShellWords(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (c === "\\" && i + 1 < line.length && (quote === undefined || '"\\$`'.includes(line[i + 1]!))) {
      word += line[++i];
      inWord = true;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new ValueError(`unclosed ${quote} quote in command (close it, or use the list form)`);
  if (inWord) words.push(word);
  return words;
}
