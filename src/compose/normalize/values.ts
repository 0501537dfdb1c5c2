// Helpers every normaliser needs: list-or-map and string-or-list shapes, dropping `x-*` keys, located errors.
import { UserError, type Loc, type Path } from "../errors.js";
import type { Mapping } from "../model.js";
import type { NormalizeContext } from "../normalize.js";
import type { Dict } from "../parse.js";
import { isIP } from "../syntax/net.js";

export function isDict(value: unknown): value is Dict {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A copy without `x-*` extension keys, for objects whose keys are all spec-defined. */
export function withoutExtensions(dict: Dict): Dict {
  return Object.fromEntries(Object.entries(dict).filter(([key]) => !key.startsWith("x-")));
}

/** `"a"` → `["a"]` (keys such as `dns` and `tmpfs` take one value or a list). */
export function toList(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** `K=V` → `["K", "V"]`; a bare `K` → `["K", undefined]`. */
export function splitAssignment(entry: string): [string, string | undefined] {
  const eq = entry.indexOf("=");
  return eq < 0 ? [entry, undefined] : [entry.slice(0, eq), entry.slice(eq + 1)];
}

/** A `list_or_dict` value as `[key, value]` pairs; a bare list entry or a null value has no value. */
export function assignments(value: unknown): [string, string | undefined][] {
  if (Array.isArray(value)) return value.map((entry) => splitAssignment(String(entry)));
  return Object.entries(value as Dict).map(([key, v]) => [key, v === null ? undefined : String(v)]);
}

/** A `list_or_dict` of plain text (labels, sysctls): no value means the empty string, as in compose-go. */
export function toMapping(value: unknown): Mapping {
  return Object.fromEntries(assignments(value).map(([key, v]) => [key, v ?? ""]));
}

/** Where a user error about `path` points: the file position that spells it out, and the path itself. */
/** Where `path` is written, looked up only when an error or warning reads it. */
export function at(ctx: NormalizeContext, path: Path): { readonly loc?: Loc; path: Path } {
  return {
    path,
    get loc() {
      return ctx.locate(path);
    },
  };
}

export function userError(ctx: NormalizeContext, path: Path, detail: string): UserError {
  return new UserError(detail, at(ctx, path));
}

export function checkAddress(address: string, path: Path, ctx: NormalizeContext): void {
  if (!isIP(address)) throw userError(ctx, path, `invalid IP address "${address}" (use e.g. "172.28.0.1" or "fd00::1")`);
}

/** The text of `file`, or undefined when it does not exist (optional env files may be missing). */
export function readIfPresent(ctx: NormalizeContext, file: string): string | undefined {
  try {
    return ctx.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}
