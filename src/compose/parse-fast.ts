// The fast YAML reader (js-yaml) for plain compose files, with Compose's octal integers, merge keys and the
// `!reset` / `!override` tags. It declines — returns undefined, leaving the file to parse-exact.ts — whenever the
// exact reader might see the file differently or has an error to name: any js-yaml error (syntax, duplicate keys,
// unknown aliases or tags), explicit `? ` keys (js-yaml turns a mapping key into text), no document, a document
// that is not a mapping, or aliases that expand too far.
import yaml from "js-yaml";
import type { Path } from "./errors.js";
import type { Dict, ParsedFile } from "./parse.js";

type FastDocument = Pick<ParsedFile, "data" | "resets" | "overrides">;

/** A value tagged `!reset` or `!override`, until the walk below records its path. */
class Marked {
  constructor(
    readonly mark: "reset" | "override",
    readonly value: unknown,
  ) {}
}

const markTypes = (["reset", "override"] as const).flatMap((mark) =>
  (["scalar", "sequence", "mapping"] as const).map((kind) => new yaml.Type(`!${mark}`, { kind, construct: (data) => new Marked(mark, data) })),
);

/**
 * `0440` is octal in Compose (go-yaml reads a leading zero so), as file modes are written; tried before the decimal
 * rule. Its own tag, since js-yaml lets a later type with the same tag replace an earlier one.
 */
const legacyOctal = new yaml.Type("tag:berth,2026:legacy-octal-int", {
  kind: "scalar",
  resolve: (text: string) => /^0[0-7]+$/.test(text),
  construct: (text: string) => parseInt(text, 8),
});

// js-yaml exports its built-in types; @types/js-yaml does not declare them
const { types } = yaml as unknown as { types: Record<"null" | "bool" | "int" | "float" | "merge", yaml.Type> };
const schema = yaml.FAILSAFE_SCHEMA.extend({
  implicit: [types.null, types.bool, legacyOctal, types.int, types.float, types.merge],
  explicit: markTypes,
});

const EXPLICIT_KEY = /^[\t ]*(?:-[\t ]+)*\?(?:[\t ]|$)/m;

export function parseFast(text: string): FastDocument[] | undefined {
  if (EXPLICIT_KEY.test(text)) return undefined;
  let loaded: unknown[];
  try {
    loaded = yaml.loadAll(text, undefined, { schema });
  } catch {
    return undefined;
  }
  const documents = loaded.filter((doc) => doc !== null && doc !== undefined);
  if (documents.length === 0 || !documents.every(isMapping)) return undefined;
  // aliases share one object in js-yaml; copying expands them, within a budget no real compose file comes near
  const budget = { nodes: Math.max(100_000, text.length * 10) };
  const copies: FastDocument[] = [];
  for (const doc of documents) {
    const marks = { resets: [] as Path[], overrides: [] as Path[] };
    const data = copy(doc, [], marks, budget);
    if (data === undefined) return undefined;
    copies.push({ data: data as Dict, ...marks });
  }
  return copies;
}

const isMapping = (value: unknown) => value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Marked);

/** A fresh copy with marks recorded (reset values dropped), or undefined when the budget runs out. */
function copy(value: unknown, path: Path, marks: { resets: Path[]; overrides: Path[] }, budget: { nodes: number }): unknown {
  if (--budget.nodes < 0) return undefined;
  if (value instanceof Marked) {
    (value.mark === "reset" ? marks.resets : marks.overrides).push(path);
    return value.mark === "reset" ? REMOVED : copy(value.value, path, marks, budget);
  }
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      const item = copy(value[i], [...path, i], marks, budget);
      if (item === undefined) return undefined;
      if (item !== REMOVED) items.push(item === NULL ? null : item);
    }
    return items;
  }
  if (value !== null && typeof value === "object") {
    const map: Dict = {};
    for (const [key, item] of Object.entries(value)) {
      const copied = copy(item, [...path, key], marks, budget);
      if (copied === undefined) return undefined;
      if (copied !== REMOVED) map[key] = copied === NULL ? null : copied;
    }
    return map;
  }
  return value === null ? NULL : value;
}

/** Stand-ins while copying: undefined means "out of budget", so null and removed values need their own. */
const REMOVED = Symbol("removed");
const NULL = Symbol("null");
