// `healthcheck`: the test as a list (a string runs in the container's shell) and Go-style durations.
import type { Path } from "../errors.js";
import type { Healthcheck } from "../model.js";
import type { NormalizeContext } from "../normalize.js";
import type { Dict } from "../parse.js";
import { toDuration } from "./units.js";
import { withoutExtensions } from "./values.js";

const DURATIONS = ["interval", "timeout", "start_period", "start_interval"] as const;

export function normalizeHealthcheck(value: Dict, path: Path, ctx: NormalizeContext): Healthcheck {
  const healthcheck = withoutExtensions(value) as Healthcheck & Dict;
  const out: Healthcheck = { ...healthcheck };
  if (typeof value.test === "string") out.test = ["CMD-SHELL", value.test];
  for (const key of DURATIONS) {
    if (value[key] !== undefined) out[key] = toDuration(value[key], [...path, key], ctx);
  }
  return out;
}
