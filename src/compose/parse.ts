// Step 1: YAML text → plain data, with the position of every key and the `!reset` / `!override` marks.
// Two readers: the fast one (js-yaml, about 3x faster when Node starts cold) reads the files that are plain, and
// the exact one (the yaml package's syntax tree) reads the rest, names every error, and supplies positions —
// lazily, so a file that loads without an error or warning is read once.
import { UserError, type Path } from "./errors.js";
import { parseFast } from "./parse-fast.js";
import { parseExactly } from "./parse-exact.js";
import { lazyLocator, type Locator } from "./positions.js";

/** Larger files are refused before parsing: a compose file is never this big, and parsing one would take seconds. */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

export type Dict = Record<string, unknown>;

/** One YAML document of a compose file, as plain data. */
export interface ParsedFile {
  file: string;
  data: Dict;
  positions: Locator;
  /** paths marked `!reset`: removed here, and removed from what this file is merged onto */
  resets: Path[];
  /** paths marked `!override`: replace what this file is merged onto instead of merging into it */
  overrides: Path[];
}

export function checkSize(file: string, bytes: number): void {
  if (bytes > MAX_FILE_BYTES) {
    const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
    throw new UserError(`file is ${mib(bytes)} MiB, over the ${mib(MAX_FILE_BYTES)} MiB limit for a compose file`, { loc: { file, line: 1, col: 1 } });
  }
}

/** Parses every document of a compose file; several documents in one file are merged in order, like several files. */
export function parseCompose(file: string, text: string): ParsedFile[] {
  checkSize(file, Buffer.byteLength(text));
  const fast = parseFast(text);
  if (!fast) return parseExactly(file, text);
  let exact: ParsedFile[] | undefined;
  const exactly = () => (exact ??= parseExactly(file, text));
  return fast.map((doc, i) => ({ file, ...doc, positions: lazyLocator(() => exactly()[i]!.positions) }));
}
