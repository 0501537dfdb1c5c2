// A stopped container's filesystem as overlayfs will show it: the upper dir over the image layers, read
// without mounting anything. Lookups walk one component at a time as overlayfs merges — a layer counts
// below a directory of its own only, and a whiteout, a non-directory or an opaque directory hides every
// layer under it — so no lstat ever passes through a symlink inside a layer, and symlinks in paths are
// resolved inside the container's root, never the host's.
import { lstatSync, readdirSync, readlinkSync, type Stats } from "node:fs";
import { join } from "node:path";
import { lgetxattr } from "../native.js";
import { invalid } from "./errors.js";

/** As the kernel: more symlinks than this in one path is a loop. */
const MAX_SYMLINKS = 40;

/** An overlayfs whiteout: a character device 0/0 that hides the lower layers' file. */
export const isWhiteout = (stat: Stats) => stat.isCharacterDevice() && stat.rdev === 0;

export function lstatOrUndefined(path: string): Stats | undefined {
  return lstatSync(path, { throwIfNoEntry: false });
}

function isOpaque(dir: string): boolean {
  try {
    return lgetxattr(dir, "trusted.overlay.opaque").toString() === "y";
  } catch {
    return false; // ENODATA: an ordinary directory
  }
}

/** The layers (topmost first) whose entries make up directory `dir` (relative); [] when it is no directory. */
function layersOf(layers: string[], dir: string): string[] {
  let active = layers;
  const parts = dir.split("/").filter(Boolean);
  for (let depth = 1; depth <= parts.length; depth++) {
    const sub = parts.slice(0, depth).join("/");
    const found = active.map((layer) => ({ layer, stat: lstatOrUndefined(join(layer, sub)) }));
    const top = found.findIndex((f) => f.stat !== undefined);
    if (top < 0 || !found[top]!.stat!.isDirectory()) return [];
    const below: string[] = [];
    for (const { layer, stat } of found.slice(top)) {
      if (!stat) continue;
      if (!stat.isDirectory()) break;
      below.push(layer);
      if (isOpaque(join(layer, sub))) break;
    }
    active = below;
  }
  return active;
}

export interface MergedEntry {
  layer: string;
  stat: Stats;
}

/** The entry at `path` (relative, its parents free of symlinks) with the layer it comes from; undefined when there is none. */
export function entryAt(layers: string[], path: string): MergedEntry | undefined {
  const slash = path.lastIndexOf("/");
  for (const layer of layersOf(layers, slash < 0 ? "" : path.slice(0, slash))) {
    const stat = lstatOrUndefined(join(layer, path));
    if (stat) return isWhiteout(stat) ? undefined : { layer, stat };
  }
  return undefined;
}

/** The names in directory `dir` (relative) with their entries, as the container will list them. */
export function listDirectory(layers: string[], dir: string): Map<string, MergedEntry> {
  const entries = new Map<string, MergedEntry>();
  const hidden = new Set<string>();
  for (const layer of layersOf(layers, dir)) {
    for (const name of readdirSync(join(layer, dir))) {
      if (entries.has(name) || hidden.has(name)) continue;
      const stat = lstatSync(join(layer, dir, name));
      if (isWhiteout(stat)) hidden.add(name);
      else entries.set(name, { layer, stat });
    }
  }
  return entries;
}

/**
 * `path` as a path inside the container's root with every symlink resolved inside that root: a link to
 * /etc/x means the container's /etc/x. Components that do not exist are kept as they are.
 */
export function resolveInRoot(layers: string[], path: string): string {
  return resolveUntilMount(layers, path, { mounts: [], followLast: true }).resolved;
}

/**
 * Resolves `path` as resolveInRoot does, but stops where it enters one of `mounts` (relative targets):
 * what lies below is the mounted directory's, which the layers know nothing of. `rest` is the part of the
 * path still to resolve there; with `followLast` false a final symlink is left as it is.
 */
export function resolveUntilMount(
  layers: string[],
  path: string,
  { mounts, followLast }: { mounts: readonly string[]; followLast: boolean },
): { resolved: string; mount?: string; rest: string } {
  const pending = path.split("/").filter((p) => p !== "" && p !== ".");
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === "..") {
      resolved.pop(); // at the root, ".." stays at the root
      continue;
    }
    const entry = followLast || pending.length > 0 ? entryAt(layers, [...resolved, part].join("/")) : undefined;
    if (!entry?.stat.isSymbolicLink()) {
      resolved.push(part);
      const here = resolved.join("/");
      if (mounts.includes(here)) return { resolved: here, mount: here, rest: pending.join("/") };
      continue;
    }
    if (++links > MAX_SYMLINKS) throw invalid(`too many levels of symbolic links in ${path}`);
    const target = readlinkSync(join(entry.layer, ...resolved, part));
    if (target.startsWith("/")) resolved.length = 0;
    pending.unshift(...target.split("/").filter((p) => p !== "" && p !== "."));
  }
  return { resolved: resolved.join("/"), rest: "" };
}
