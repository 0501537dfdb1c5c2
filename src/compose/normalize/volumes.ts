// Service `volumes`: every mount in the long syntax, with clean container paths and compose-go's defaults.
import { posix } from "node:path";
import { located, type Path } from "../errors.js";
import type { ServiceVolume } from "../model.js";
import type { NormalizeContext } from "../normalize.js";
import type { Dict } from "../parse.js";
import { parseVolumeSpec } from "../syntax/volumes.js";
import { toBytes } from "./units.js";
import { at, isDict, userError, withoutExtensions } from "./values.js";

export function normalizeServiceVolumes(value: unknown[], path: Path, ctx: NormalizeContext): ServiceVolume[] {
  return value.map((entry, i) => {
    const entryPath = [...path, i];
    const mount = isDict(entry) ? longSyntax(entry, entryPath, ctx) : located(at(ctx, entryPath), () => parseVolumeSpec(String(entry)));
    return { ...mount, target: cleanPath(mount.target) } as ServiceVolume;
  });
}

function longSyntax(entry: Dict, path: Path, ctx: NormalizeContext): ServiceVolume {
  const mount = withoutExtensions(entry) as unknown as ServiceVolume;
  if (!mount.target) throw userError(ctx, path, `a mount needs a target (the path inside the container)`);
  if (mount.type === "bind" && !mount.source) {
    throw userError(ctx, path, `a bind mount needs a source (the host path to mount)`);
  }
  const options: Partial<ServiceVolume> = {};
  // compose-go: a bind section that does not say otherwise creates a missing host path
  if (isDict(entry.bind)) options.bind = { create_host_path: true, ...withoutExtensions(entry.bind) };
  if (isDict(entry.volume)) options.volume = withoutExtensions(entry.volume);
  if (isDict(entry.image)) options.image = withoutExtensions(entry.image);
  if (isDict(entry.tmpfs)) {
    const { size, ...tmpfs } = withoutExtensions(entry.tmpfs);
    options.tmpfs = { ...tmpfs, ...(size !== undefined && { size: toBytes(size, [...path, "tmpfs", "size"], ctx) }) };
  }
  return { ...mount, ...options };
}

/** Go's path.Clean for container paths: no `.`/`..` segments, no doubled or trailing slash. */
function cleanPath(target: string): string {
  const clean = posix.normalize(target);
  return clean.length > 1 && clean.endsWith("/") ? clean.slice(0, -1) : clean;
}
