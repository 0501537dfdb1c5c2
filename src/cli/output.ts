// Writing a command's result: standard output, or a file with -o.
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import type * as Yaml from "yaml";

export function emit(text: string, file?: string): void {
  if (file) writeFileSync(file, text);
  else process.stdout.write(text);
}

export function lines(items: Iterable<string>): string {
  const list = [...items];
  return list.length === 0 ? "" : list.join("\n") + "\n";
}

/** Maps' keys sorted at every level, so output is stable whatever order the files used. */
export function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, sortedKeys(v)]));
}

export function render(value: unknown, format: "yaml" | "json"): string {
  if (format === "json") return JSON.stringify(value, null, 2) + "\n";
  // loaded only for YAML output: the package costs ~30 ms to load
  const { stringify } = createRequire(import.meta.url)("yaml") as typeof Yaml;
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}
