// Service volumes, short syntax `[SOURCE:]TARGET[:MODE]`, read into the long form as compose-go's format.ParseVolume does.
import { ValueError } from "../errors.js";

export interface VolumeMount {
  type: "volume" | "bind" | "tmpfs" | "npipe" | "cluster" | "image";
  source?: string;
  target: string;
  read_only?: boolean;
  consistency?: string;
  bind?: { propagation?: string; create_host_path?: boolean; selinux?: "z" | "Z"; recursive?: string };
  volume?: { nocopy?: boolean; subpath?: string };
  tmpfs?: { size?: number | string; mode?: number };
  image?: { subpath?: string };
}

const PROPAGATIONS = ["shared", "rshared", "slave", "rslave", "private", "rprivate"];
/** macOS file-sharing hints from Docker Desktop: accepted and ignored, as compose-go does. */
const CONSISTENCIES = ["cached", "delegated", "consistent"];

/** A source that looks like a path is a bind mount; anything else names a volume. */
function isHostPath(source: string): boolean {
  return source.startsWith("/") || source.startsWith(".") || source.startsWith("~");
}

export function parseVolumeSpec(spec: string): VolumeMount {
  if (spec === "") throw new ValueError(`empty volume spec (use e.g. "data:/data" or "./src:/app:ro")`);
  const parts = spec.split(":");
  if (parts.length > 3) throw new ValueError(`too many colons in "${spec}" (use [SOURCE:]TARGET[:MODE])`);
  if (parts.includes("")) throw new ValueError(`empty section between colons in "${spec}" (use [SOURCE:]TARGET[:MODE])`);
  const [source, target] = parts.length === 1 ? [undefined, parts[0]] : parts;
  if (!target.startsWith("/")) throw new ValueError(`target "${target}" must be an absolute path in the container`);

  let readOnly = false;
  let bind: VolumeMount["bind"];
  let volume: VolumeMount["volume"];
  for (const mode of parts.length === 3 ? parts[2].split(",") : []) {
    if (mode === "ro" || mode === "rw") readOnly = mode === "ro";
    else if (mode === "nocopy") volume = { nocopy: true };
    else if (mode === "z" || mode === "Z") bind = { ...bind, selinux: mode };
    else if (PROPAGATIONS.includes(mode)) bind = { ...bind, propagation: mode };
    else if (!CONSISTENCIES.includes(mode)) {
      throw new ValueError(`invalid mode "${mode}" in "${spec}" (use ro, rw, z, Z, nocopy or ${PROPAGATIONS.join(", ")})`);
    }
  }
  const type = source !== undefined && isHostPath(source) ? "bind" : "volume";
  // compose-go: a short-syntax bind creates a missing host path, as docker-compose v1 did.
  if (type === "bind") bind = { ...bind, create_host_path: true };
  else volume ??= {};
  return {
    type,
    ...(source !== undefined && { source }),
    target,
    ...(readOnly && { read_only: true }),
    ...(bind && { bind }),
    ...(volume && { volume }),
  };
}
