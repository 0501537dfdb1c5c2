// Lifecycle hooks (`post_start`, `pre_stop`, `pre_start`): commands as lists, environment as a map.
import type { Path } from "../errors.js";
import type { ServiceHook } from "../model.js";
import type { NormalizeContext } from "../normalize.js";
import type { Dict } from "../parse.js";
import { normalizeCommand } from "./command.js";
import { resolveEnvironment } from "./environment.js";
import { withoutExtensions } from "./values.js";

export function normalizeHooks(value: unknown[], path: Path, ctx: NormalizeContext): ServiceHook[] {
  return value.map((entry, i) => {
    const hook = withoutExtensions(entry as Dict);
    return {
      ...hook,
      command: normalizeCommand(hook.command, [...path, i, "command"], ctx),
      ...(hook.environment !== undefined && { environment: resolveEnvironment(hook.environment, ctx.lookup) }),
    } as ServiceHook;
  });
}
