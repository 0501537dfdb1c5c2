// `ulimits`: each limit checked by name and value; one number stands for both soft and hard.
import { located, type Path } from "../errors.js";
import type { NormalizeContext } from "../normalize.js";
import type { Dict } from "../parse.js";
import { parseUlimit, type Ulimit } from "../syntax/ulimits.js";
import { at, isDict, withoutExtensions } from "./values.js";

export function normalizeUlimits(value: Dict, path: Path, ctx: NormalizeContext): Record<string, Ulimit> {
  return Object.fromEntries(
    Object.entries(value).map(([name, limit]) => [
      name,
      located(at(ctx, [...path, name]), () => parseUlimit(name, isDict(limit) ? withoutExtensions(limit) : limit)),
    ]),
  );
}
