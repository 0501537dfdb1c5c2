// What a container changed in its filesystem (`docker diff`, and whether `docker commit` has a layer to make):
// its overlay upper dir read against the image's layers, without what the runtime itself puts there.
import { posix } from "node:path";
import { BIND_TARGETS, upperEntries } from "../build/layer.js";
import { entryAt, listDirectory } from "./merged-view.js";
import type { ContainerRecord } from "./record.js";

/** dockerd's ChangeType: 0 modified, 1 added, 2 deleted. */
export type ChangeKind = 0 | 1 | 2;

export interface Change {
  Path: string;
  Kind: ChangeKind;
}

const MODIFIED = 0;
const ADDED = 1;
const DELETED = 2;

/** What every running container has mounted over its root: whatever the upper dir holds there is hidden, not content. */
const SYSTEM_MOUNTS = ["proc", "sys", "dev"];

/**
 * The upper-dir paths that are not the container's content: berthd's generated files and the system mounts,
 * and below the mount points of the container's binds, volumes and tmpfs mounts and of the image's host binds
 * (berth/host's /usr). A mount point the runtime had to make stays, as with dockerd (see upperEntries).
 */
export function mountedPaths(record: ContainerRecord, imageBinds: readonly { target: string }[]): ReadonlySet<string> {
  const targets = [...record.Mounts, ...imageBinds].map((mount) => posix.normalize(mount.target).replace(/^\/+/, ""));
  return new Set([...BIND_TARGETS, ...SYSTEM_MOUNTS, ...targets.filter((target) => target !== "").map((target) => `${target}/`)]);
}

/**
 * The changes in `upper` over the image layers `lowerDirs` (topmost first), in tar order. A directory the layers
 * have too is listed only when something below it changed or its mode or owner did: overlayfs copies a directory
 * up for any change inside it, including the mount points left out here. An opaque directory hides what the
 * layers had in it: those entries are listed as deleted.
 */
export function containerChanges(upper: string, lowerDirs: string[], excluded: ReadonlySet<string>): Change[] {
  const found: { path: string; kind: ChangeKind; quiet: boolean }[] = [];
  const opaqueDirs: string[] = [];
  for (const { path, stats, whiteout, opaque, names } of upperEntries(upper, excluded)) {
    if (whiteout) {
      found.push({ path, kind: DELETED, quiet: false });
      continue;
    }
    const underOpaque = opaqueDirs.some((dir) => path.startsWith(`${dir}/`));
    const below = underOpaque ? undefined : entryAt(lowerDirs, path);
    const sameDirectory =
      below !== undefined && !opaque && stats.isDirectory() && below.stat.isDirectory() &&
      stats.mode === below.stat.mode && stats.uid === below.stat.uid && stats.gid === below.stat.gid;
    found.push({ path, kind: below ? MODIFIED : ADDED, quiet: sameDirectory });
    if (!opaque) continue;
    opaqueDirs.push(path);
    if (below?.stat.isDirectory()) {
      for (const name of listDirectory(lowerDirs, path).keys()) {
        // A name the upper dir has again is listed (added) when the walk gets there.
        const hidden = `${path}/${name}`;
        if (!excluded.has(hidden) && !names.includes(name)) found.push({ path: hidden, kind: DELETED, quiet: false });
      }
    }
  }
  // From the end, so that a directory is decided after everything below it.
  const changed = new Set<string>();
  const kept: Change[] = [];
  for (const { path, kind, quiet } of found.reverse()) {
    if (quiet && !changed.has(path)) continue;
    kept.push({ Path: `/${path}`, Kind: kind });
    for (let dir = posix.dirname(path); dir !== "."; dir = posix.dirname(dir)) changed.add(dir);
  }
  return kept.reverse();
}
