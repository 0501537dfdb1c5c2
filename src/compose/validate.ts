// Step 3: check a parsed file against the Compose schema (schemas/compose.schema.yaml) and explain the most
// relevant violation in the user's terms: the key path, where it is, and what would be valid.
import type { ErrorObject } from "ajv";
// Compiled ahead of time by scripts/build-schema.js; this relative path holds from src/compose and dist/compose.
import compiledSchema from "../../build/compose-schema.cjs";
import { UserError, type Loc, type Path } from "./errors.js";
import { closest } from "./suggest.js";
import type { ParsedFile } from "./parse.js";

/** The part of a schema object the messages read (the compiled validator passes it along with each error). */
interface SchemaNode {
  properties?: Record<string, unknown>;
  patternProperties?: Record<string, unknown>;
  /** berth's keyword: the detail for a name or string that does not match its pattern */
  hint?: string;
}

/** Unknown keys in objects with at most this many keys get the allowed keys listed. */
const MAX_LISTED_KEYS = 8;

interface Violation {
  path: Path;
  detail: string;
  loc?: Loc;
}

/** Throws a UserError for the most specific schema violation in `file`, if any. */
export function validateSchema(file: ParsedFile): void {
  if (compiledSchema(file.data)) return;
  const violations = compiledSchema.errors!.map((error) => toViolation(error, file));
  // the deepest path is the most specific; among equals, the one met first when reading the file
  violations.sort((a, b) => b.path.length - a.path.length || compareLocs(a.loc, b.loc));
  const { detail, path, loc } = violations[0];
  throw new UserError(detail, { loc, path });
}

function toViolation(error: ErrorObject, file: ParsedFile): Violation {
  const at = toPath(error.instancePath, file.data);
  const schema = error.parentSchema as SchemaNode;
  switch (error.keyword) {
    case "additionalProperties": {
      const key = error.params.additionalProperty as string;
      const path = [...at, key];
      return { path, detail: unknownKey(key, schema), loc: file.positions.locate(path) };
    }
    case "required": {
      return { path: at, detail: `missing required key "${error.params.missingProperty}"`, loc: file.positions.locate(at) };
    }
    case "uniqueItems": {
      // ajv reports the two equal items in either order
      const { i, j } = error.params as { i: number; j: number };
      const path = [...at, Math.max(i, j)];
      return { path, detail: `duplicate of item [${Math.min(i, j)}]`, loc: file.positions.locateValue(path) };
    }
    default: {
      // an empty value has no text of its own to point at: point at its key
      const loc = error.data === null ? file.positions.locate(at) : file.positions.locateValue(at);
      return { path: at, detail: valueDetail(error, schema), loc };
    }
  }
}

function valueDetail(error: ErrorObject, schema: SchemaNode): string {
  switch (error.keyword) {
    case "type":
      return `must be ${oneOfWords([error.schema as string | string[]].flat().map((type) => TYPE_WORDS[type] ?? type))}, not ${describeValue(error.data)}`;
    case "enum":
      return `must be one of ${(error.schema as unknown[]).map((value) => JSON.stringify(value)).join(", ")}`;
    case "pattern":
      return schema.hint ?? `must match the pattern ${JSON.stringify(error.params.pattern)}`;
    case "minimum":
      return `must be at least ${error.params.limit}`;
    case "maximum":
      return `must be at most ${error.params.limit}`;
    default:
      return error.message ?? "invalid value";
  }
}

const TYPE_WORDS: Record<string, string> = {
  string: "a string",
  object: "a mapping",
  array: "a list",
  boolean: "a boolean (true or false)",
  integer: "an integer",
  number: "a number",
  null: "null",
};

function oneOfWords(words: string[]): string {
  return words.length === 1 ? words[0] : `${words.slice(0, -1).join(", ")} or ${words[words.length - 1]}`;
}

/** What the user wrote, short enough for one line: the scalar itself, or its kind. */
function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  const text = JSON.stringify(value);
  return text.length <= 40 ? text : `a ${typeof value}`;
}

function unknownKey(key: string, schema: SchemaNode): string {
  const allowed = Object.keys(schema.properties ?? {});
  // a mapping without fixed keys holds names (services, networks...), which only a pattern restricts
  if (allowed.length === 0) return schema.hint ?? "invalid key";
  const guess = closestKey(key, allowed);
  if (guess) return `unknown key (did you mean "${guess}"?)`;
  if (allowed.length <= MAX_LISTED_KEYS) return `unknown key (use one of ${allowed.map((k) => `"${k}"`).join(", ")})`;
  return schema.patternProperties?.["^x-"] ? 'unknown key (custom keys must start with "x-")' : "unknown key";
}

/** The allowed key a typo most likely meant: within one edit per three characters. */
function closestKey(key: string, allowed: string[]): string | undefined {
  return closest(key.toLowerCase(), allowed, Math.max(1, Math.floor(key.length / 3)));
}

/** ajv's JSON pointer (`/services/web/ports/0`) as a Path, with list indexes as numbers. */
function toPath(pointer: string, data: unknown): Path {
  const path: (string | number)[] = [];
  let node = data;
  for (const escaped of pointer.split("/").slice(1)) {
    const key = escaped.replace(/~1/g, "/").replace(/~0/g, "~");
    const part = Array.isArray(node) ? Number(key) : key;
    path.push(part);
    node = (node as Record<string | number, unknown>)[part];
  }
  return path;
}

function compareLocs(a: Loc | undefined, b: Loc | undefined): number {
  if (!a || !b) return a ? -1 : b ? 1 : 0;
  return a.line - b.line || a.col - b.col;
}
