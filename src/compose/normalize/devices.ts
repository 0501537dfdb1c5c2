// `devices`: `HOST[:CONTAINER[:PERMISSIONS]]` in the long form (compose-go's transformDeviceMapping).
import type { Path } from "../errors.js";
import type { DeviceMapping } from "../model.js";
import type { NormalizeContext } from "../normalize.js";
import type { Dict } from "../parse.js";
import { isDict, userError, withoutExtensions } from "./values.js";

export function normalizeDevices(value: unknown[], path: Path, ctx: NormalizeContext): DeviceMapping[] {
  return value.map((entry, i) => {
    const device = isDict(entry) ? withoutExtensions(entry) : shortSyntax(String(entry), [...path, i], ctx);
    const source = String(device.source);
    return { source, target: String(device.target ?? source), permissions: String(device.permissions ?? "rwm") };
  });
}

function shortSyntax(spec: string, path: Path, ctx: NormalizeContext): Dict {
  const parts = spec.split(":");
  if (parts.length > 3) throw userError(ctx, path, `too many colons in device "${spec}" (use HOST[:CONTAINER[:PERMISSIONS]] or the long syntax)`);
  const [source, target, permissions] = parts;
  return { source, target: target || undefined, permissions };
}
