// HostConfig.VolumesFrom (`container[:ro|rw]`): a new container gets another one's volumes and binds at the
// same paths, as dockerd gives them. `ro` makes them read-only; `rw` (the default) keeps each one's own mode.
// The volumes are the other container's, already filled, so they are never copied up again. tmpfs mounts
// are not inherited: they hold nothing to share.
import { posix } from "node:path";
import type { ContainerMount } from "../volume/setup.js";
import { invalid } from "./errors.js";

export interface VolumesFromEntry {
  /** Name or id of the container to take the mounts of. */
  container: string;
  readOnly: boolean;
}

export function parseVolumesFrom(spec: string): VolumesFromEntry {
  const [container = "", mode, ...rest] = spec.split(":");
  if (container === "" || rest.length > 0) throw invalid(`invalid volumes-from specification '${spec}': expected container[:ro|rw]`);
  if (mode !== undefined && mode !== "ro" && mode !== "rw") throw invalid(`invalid mode for volumes-from: ${mode} (in '${spec}'): valid are ro and rw`);
  return { container, readOnly: mode === "ro" };
}

/** What one VolumesFrom entry gives, from the other container's mounts. */
export function inheritedMounts(from: readonly ContainerMount[], readOnly: boolean): ContainerMount[] {
  return from.flatMap((m): ContainerMount[] => {
    if (m.type === "tmpfs") return [];
    const mode = readOnly ? { readOnly: true } : {};
    return [m.type === "volume" ? { ...m, ...mode, noCopy: true } : { ...m, ...mode }];
  });
}

/** Config.Volumes without the paths inherited mounts cover: those need no anonymous volume. */
export function uncoveredVolumes(volumes: Readonly<Record<string, unknown>> | undefined, inherited: readonly ContainerMount[]): Record<string, unknown> {
  const covered = new Set(inherited.map((m) => m.target));
  const clean = (path: string) => posix.normalize(path).replace(/(.)\/+$/, "$1");
  return Object.fromEntries(Object.entries(volumes ?? {}).filter(([path]) => !covered.has(clean(path))));
}
