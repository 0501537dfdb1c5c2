// Reads a stack of unpacked image layers the way overlayfs merges them, without mounting anything: the
// topmost entry of a name wins, whiteouts (0/0 character devices) hide the layers below, an opaque directory
// (trusted.overlay.opaque=y) ends the merge of that directory, and a non-directory hides directories below.
import { lstat, readdir, readlink } from "node:fs/promises";
import type { Stats } from "node:fs";
import { join } from "node:path";
import { lgetxattr } from "../native.js";

export interface MergedEntry {
  name: string;
  /** The winning entry's path in its layer. */
  path: string;
  stat: Stats;
  /** For a directory: the layer directories merged into it, topmost first. */
  layers: string[];
}

/** Longest chain of symlinks followed while resolving a path, as the kernel's MAXSYMLINKS. */
const MAX_SYMLINKS = 40;

function isWhiteout(stat: Stats): boolean {
  return stat.isCharacterDevice() && stat.rdev === 0;
}

function isOpaque(dir: string): boolean {
  try {
    return lgetxattr(dir, "trusted.overlay.opaque").toString() === "y";
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENODATA") return false;
    throw err;
  }
}

/**
 * Adds a layer's entry for `name` to what the layers above it gave (null: whited out). Returns whether
 * layers further down can still add to this name: only while it is a directory that is not opaque.
 */
function mergeInto(entries: Map<string, MergedEntry | null>, name: string, path: string, stat: Stats): boolean {
  const known = entries.get(name);
  if (known === null) return false;
  if (known === undefined) {
    entries.set(name, isWhiteout(stat) ? null : { name, path, stat, layers: stat.isDirectory() ? [path] : [] });
  } else if (stat.isDirectory()) {
    known.layers.push(path);
  } else {
    return false;
  }
  return stat.isDirectory() && !isOpaque(path);
}

/** The merged content of a directory made of `layers` (topmost first). */
export async function listMerged(layers: readonly string[]): Promise<MergedEntry[]> {
  const entries = new Map<string, MergedEntry | null>();
  /** Names whose merge ended: a lower layer cannot add to them any more. */
  const closed = new Set<string>();
  for (const layer of layers) {
    for (const name of await readdir(layer)) {
      if (closed.has(name)) continue;
      const path = join(layer, name);
      if (!mergeInto(entries, name, path, await lstat(path))) closed.add(name);
    }
  }
  return [...entries.values()].filter((e): e is MergedEntry => e !== null);
}

/** One name of a merged directory, or undefined when no layer has it (or a whiteout hides it). */
async function lookup(layers: readonly string[], name: string): Promise<MergedEntry | undefined> {
  const found = new Map<string, MergedEntry | null>();
  for (const layer of layers) {
    const path = join(layer, name);
    const stat = await lstat(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT" || err.code === "ENOTDIR") return undefined;
      throw err;
    });
    if (stat !== undefined && !mergeInto(found, name, path, stat)) break;
  }
  return found.get(name) ?? undefined;
}

/**
 * The layers of the directory at `path` inside the image, following symlinks as if the image were the
 * root (an absolute link starts again at the image's root, `..` stops there): nothing outside the layers
 * is ever looked at. Undefined when the path does not exist or is not a directory.
 */
export async function resolveDirectory(lowerDirs: readonly string[], path: string): Promise<string[] | undefined> {
  /** The layers of each directory on the way down; the last is where we are. */
  const stack: string[][] = [[...lowerDirs]];
  const todo = path.split("/");
  let links = 0;
  while (todo.length > 0) {
    const name = todo.shift()!;
    if (name === "" || name === ".") continue;
    if (name === "..") {
      if (stack.length > 1) stack.pop();
      continue;
    }
    const entry = await lookup(stack.at(-1)!, name);
    if (entry === undefined) return undefined;
    if (entry.stat.isSymbolicLink()) {
      if (++links > MAX_SYMLINKS) return undefined;
      const target = await readlink(entry.path);
      if (target.startsWith("/")) stack.splice(1);
      todo.unshift(...target.split("/"));
      continue;
    }
    if (!entry.stat.isDirectory()) return undefined;
    stack.push(entry.layers);
  }
  return stack.at(-1);
}
