// A service's `secrets` and `configs`: each entry in the long form `{ source, target?, uid?, gid?, mode? }`.
import type { Path } from "../errors.js";
import type { ServiceFileMount } from "../model.js";
import type { NormalizeContext } from "../normalize.js";
import { isDict, userError, withoutExtensions } from "./values.js";

export function normalizeFileMounts(value: unknown[], path: Path, ctx: NormalizeContext): ServiceFileMount[] {
  return value.map((entry, i) => {
    if (!isDict(entry)) return { source: String(entry) };
    const { mode, ...mount } = withoutExtensions(entry) as unknown as ServiceFileMount & { mode?: unknown };
    return { ...mount, ...(mode !== undefined && { mode: fileMode(mode, [...path, i, "mode"], ctx) }) };
  });
}

/** A number is taken as is; text is octal, as in `chmod` ("0440"). */
function fileMode(mode: unknown, path: Path, ctx: NormalizeContext): number {
  if (typeof mode === "number") return mode;
  const text = String(mode).replace(/^0o/i, "");
  if (!/^[0-7]{1,4}$/.test(text)) throw userError(ctx, path, `invalid file mode "${String(mode)}" (use octal, e.g. "0440")`);
  return parseInt(text, 8);
}
