// The exact YAML reader: a full syntax tree, so it knows the position of every key and names every YAML error
// precisely. It is the authority; parse-fast.ts only saves time on files it is sure of.
import { createRequire } from "node:module";
import type { Document, Node, ScalarTag } from "yaml";
import type * as Yaml from "yaml";
import { UserError, type Loc, type Path } from "./errors.js";
import { Positions } from "./positions.js";

import type { Dict, ParsedFile } from "./parse.js";

/** The yaml package is loaded on first use: most runs never need it (see parse-fast.ts), and loading it costs ~30 ms. */
let loaded: typeof Yaml | undefined;
const yaml = () => (loaded ??= createRequire(import.meta.url)("yaml") as typeof Yaml);

/** Bound on alias expansion (an alias bomb is refused instantly instead of being expanded). */
const MAX_ALIAS_COUNT = 10_000;

/** `0440` is octal in Compose (go-yaml reads a leading zero as octal), as file modes are written. */
const legacyOctal: ScalarTag = {
  tag: "tag:yaml.org,2002:int",
  default: true,
  test: /^0[0-7]+$/,
  identify: (value) => typeof value === "number",
  resolve: (text) => parseInt(text, 8),
};

/** Every non-empty document of a compose file, or the UserError that says what is wrong with it and where. */
export function parseExactly(file: string, text: string): ParsedFile[] {
  const lines = new (yaml().LineCounter)();
  const docs = yaml().parseAllDocuments(text, { lineCounter: lines, merge: true, uniqueKeys: false, prettyErrors: false, customTags: (tags) => [legacyOctal, ...tags] });
  const at = (offset: number): Loc => ({ file, ...lines.linePos(offset) });
  if (!Array.isArray(docs)) throw new UserError("empty compose file", { loc: { file, line: 1, col: 1 } });
  const parsed = docs.filter((doc) => doc.contents !== null || doc.errors.length > 0).map((doc) => parseDocument(doc, file, at));
  if (parsed.length === 0) throw new UserError("empty compose file", { loc: { file, line: 1, col: 1 } });
  return parsed;
}

function parseDocument(doc: Document.Parsed, file: string, at: (offset: number) => Loc): ParsedFile {
  const syntax = doc.errors[0];
  if (syntax) {
    throw new UserError(`invalid YAML: ${firstLine(syntax.message)}`, { loc: at(syntax.pos[0]) });
  }
  const root = doc.contents;
  if (!yaml().isMap(root)) {
    throw new UserError("top-level object must be a mapping", { loc: at(root?.range?.[0] ?? 0) });
  }
  const positions = new Positions(file);
  const resets: Path[] = [];
  const overrides: Path[] = [];
  positions.set([], { value: at(root.range[0]) });
  index(root, [], { positions, resets, overrides, at, anchors: new Set() });

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (err instanceof ReferenceError && /alias/i.test(err.message)) {
      throw new UserError(`YAML aliases expand to too many nodes (over ${MAX_ALIAS_COUNT}); refusing to expand them`, { loc: at(firstNestedAlias(doc)) });
    }
    // undefined aliases, merge keys onto non-maps: the document is well-formed but cannot become data
    throw new UserError(`invalid YAML: ${firstLine((err as Error).message)}`, { loc: at(root.range[0]) });
  }
  for (const path of resets) removeAt(data as Dict, path);
  return { file, data: data as Dict, positions, resets, overrides };
}

interface Indexing {
  positions: Positions;
  /** anchors defined so far, in document order: an alias may only name one of these */
  anchors: Set<string>;
  resets: Path[];
  overrides: Path[];
  at: (offset: number) => Loc;
}

function index(node: Node | null, path: Path, ix: Indexing): void {
  if (yaml().isMap(node)) {
    const seen = new Map<string, Loc>(); // duplicate keys are checked here to name the key and its first line
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      if (!yaml().isScalar(keyNode)) {
        throw new UserError("mapping keys must be plain strings", { loc: ix.at((keyNode as Node | null)?.range?.[0] ?? node.range?.[0] ?? 0), path });
      }
      const key = String(keyNode.value);
      if (key === "<<") {
        // merge key: its entries have no spot of their own, the map's position stands for them
        const sources = pair.value as Node | null;
        for (const source of yaml().isSeq(sources) ? sources.items : [sources]) visitChild(source as Node | null, path, ix);
        continue;
      }
      const child = [...path, key];
      const value = pair.value as Node | null;
      const keyLoc = ix.at(keyNode.range?.[0] ?? 0);
      const first = seen.get(key);
      if (first) throw new UserError(`duplicate key "${key}" (first defined at line ${first.line})`, { loc: keyLoc, path: child });
      seen.set(key, keyLoc);
      ix.positions.set(child, { key: keyLoc, value: value?.range ? ix.at(value.range[0]) : keyLoc });
      visitChild(value, child, ix);
    }
  } else if (yaml().isSeq(node)) {
    node.items.forEach((item, i) => {
      const child = [...path, i];
      const value = item as Node | null;
      if (value?.range) ix.positions.set(child, { value: ix.at(value.range[0]) });
      visitChild(value, child, ix);
    });
  }
}

function visitChild(node: Node | null, path: Path, ix: Indexing): void {
  if (yaml().isAlias(node)) {
    if (!ix.anchors.has(node.source)) {
      throw new UserError(`invalid YAML: alias *${node.source} refers to no anchor &${node.source} before it`, { loc: ix.at(node.range?.[0] ?? 0) });
    }
    return;
  }
  if (node?.anchor) ix.anchors.add(node.anchor);
  if (node?.tag === "!reset") ix.resets.push(path);
  else if (node?.tag === "!override") ix.overrides.push(path);
  if (yaml().isCollection(node)) index(node, path, ix);
}

function removeAt(data: Dict, path: Path): void {
  let parent: unknown = data;
  for (const part of path.slice(0, -1)) parent = (parent as Record<string | number, unknown> | undefined)?.[part];
  const last = path[path.length - 1];
  if (Array.isArray(parent) && typeof last === "number") parent.splice(last, 1);
  else if (parent && typeof parent === "object" && last !== undefined) delete (parent as Dict)[last];
}

/** Offset of the first alias whose anchor itself holds aliases: where an expansion bomb starts. */
function firstNestedAlias(doc: Document.Parsed): number {
  let offset = 0;
  yaml().visit(doc, {
    Alias(_, alias) {
      const source = alias.resolve(doc);
      let nested = false;
      if (source) yaml().visit(source, { Alias() { nested = true; return yaml().visit.BREAK; } });
      if (nested) {
        offset = alias.range?.[0] ?? 0;
        return yaml().visit.BREAK;
      }
    },
  });
  return offset;
}

/** The yaml package's first line, in our message style (lower-case start). */
function firstLine(message: string): string {
  const line = message.split("\n")[0]!.trim();
  return line.charAt(0).toLowerCase() + line.slice(1);
}
