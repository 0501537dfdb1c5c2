// `/containers/{id}/archive` for a container that is not running: PUT extracts a tar into its filesystem,
// GET packs a path of it, HEAD describes that path. The filesystem is then the upper dir over the image
// layers, mounted nowhere (merged-view.ts reads it as overlayfs will show it). Everything is written into
// the upper dir only, without following a symlink there (the upper dir is ours alone while nothing runs,
// so what lstat saw stays true). A running container's root exists only in its own mount namespace, so
// copying to or from it is refused for now.
import {
  chmodSync, closeSync, constants, createReadStream, fchmodSync, lchownSync, lstatSync, lutimesSync, mkdirSync, openSync, readlinkSync, rmSync,
  symlinkSync, writeSync, type Stats,
} from "node:fs";
import { join, posix } from "node:path";
import type { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { extract, pack, type Pack } from "tar-stream";
import { lsetxattr } from "../native.js";
import { conflict, EngineError, invalid, notFound, NotImplementedError } from "./errors.js";
import type { Container } from "./lifecycle.js";
import { entryAt, isWhiteout, listDirectory, lstatOrUndefined, resolveInRoot, type MergedEntry } from "./merged-view.js";

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY } = constants;

function refuseRunning(c: Container): void {
  if (c.running) {
    throw new NotImplementedError(`copying to or from a running container is not supported by berth yet; copy before start or after stop (container ${c.id})`);
  }
}

/** Makes `dir` (resolved, relative) a directory in the upper dir, replacing a whiteout with an opaque directory. */
function ensureUpperDir(upper: string, layers: string[], dir: string): void {
  let sofar = "";
  for (const part of dir.split("/").filter(Boolean)) {
    sofar = sofar ? `${sofar}/${part}` : part;
    const inUpper = lstatOrUndefined(join(upper, sofar));
    if (inUpper?.isDirectory()) continue;
    const merged = entryAt(layers, sofar)?.stat;
    if (merged && !merged.isDirectory()) throw invalid(`cannot extract into /${sofar}: it is not a directory in the container`);
    if (inUpper && isWhiteout(inUpper)) {
      rmSync(join(upper, sofar));
      mkdirSync(join(upper, sofar), 0o755);
      lsetxattr(join(upper, sofar), "trusted.overlay.opaque", "y"); // what was deleted stays deleted
    } else {
      mkdirSync(join(upper, sofar), 0o755);
    }
  }
}

/** Clears the way in the upper dir for a new non-directory at `path`. */
function clearUpperEntry(upper: string, layers: string[], path: string): void {
  const merged = entryAt(layers, path)?.stat;
  if (merged?.isDirectory()) throw conflict(`cannot overwrite directory /${path} with a non-directory`);
  rmSync(join(upper, path), { force: true });
}

/**
 * Extracts `tar` at `path` in the container. `lowerDirs`: the image layers, topmost first; `mountPoints`: where
 * host directories or tmpfs will be mounted (berth/host's /usr, Binds, Tmpfs), over what the upper dir holds.
 */
export async function extractIntoContainer(c: Container, lowerDirs: string[], mountPoints: string[], path: string, tar: Readable): Promise<void> {
  refuseRunning(c);
  if (c.record.HostConfig.ReadonlyRootfs) throw conflict(`container rootfs is marked read-only: ${c.id}`);
  const upper = c.paths.upper;
  mkdirSync(upper, { recursive: true, mode: 0o755 });
  const layers = [upper, ...lowerDirs];
  const mounted = mountPoints.map((m) => resolveInRoot(layers, m));
  const checkNotMounted = (dest: string) => {
    const under = mounted.find((m) => dest === m || dest.startsWith(`${m}/`));
    if (under !== undefined) throw new NotImplementedError(`copying into /${dest} is not supported: /${under} is a mount point (a host directory or tmpfs) that hides the container's own files`);
  };
  const base = resolveInRoot(layers, path);
  const stat = base === "" ? undefined : entryAt(layers, base)?.stat;
  if (base !== "" && !stat) throw notFound(`Could not find the file ${path} in container ${c.record.Name}`);
  if (stat && !stat.isDirectory()) throw invalid(`extraction point is not a directory: ${path}`);

  const entries = extract();
  const feeding = pipeline(tar, entries);
  try {
    for await (const entry of entries) {
      const { header } = entry;
      // Absolute names are relative to the target, as in Docker (compose sends /run/secrets/x to path /).
      const name = posix.normalize(header.name.replace(/^\/+/, "") || ".");
      if (name === ".." || name.startsWith("../")) throw invalid(`invalid tar entry ${header.name}: paths must stay inside the target`);
      const parent = resolveInRoot(layers, `${base}/${posix.dirname(name)}`);
      const dest = name === "." ? parent : [parent, posix.basename(name)].filter(Boolean).join("/");
      checkNotMounted(dest);
      ensureUpperDir(upper, layers, parent);
      const full = join(upper, dest);
      const mode = header.mode & 0o7777;
      if (header.type === "directory") {
        ensureUpperDir(upper, layers, dest);
        chmodSync(full, mode);
      } else if (header.type === "file") {
        clearUpperEntry(upper, layers, dest);
        const fd = openSync(full, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
        try {
          fchmodSync(fd, mode); // exact, whatever berthd's umask
          // streamx readables are async-iterable; its type declarations just do not say so.
          for await (const chunk of entry as unknown as AsyncIterable<Buffer>) writeSync(fd, chunk);
        } finally {
          closeSync(fd);
        }
      } else if (header.type === "symlink") {
        clearUpperEntry(upper, layers, dest);
        symlinkSync(header.linkname ?? "", full);
      } else {
        throw invalid(`cannot copy ${header.name}: entries of type ${header.type} are not supported (files, directories and symlinks are)`);
      }
      lchownSync(full, header.uid, header.gid);
      lutimesSync(full, header.mtime, header.mtime);
      entry.resume();
    }
    await feeding;
  } catch (err) {
    entries.destroy();
    await feeding.catch(() => undefined);
    // Filesystem failures are ours; what the tar parser says is the client's.
    if (err instanceof Error && !(err instanceof EngineError) && !(err instanceof NotImplementedError) && (err as NodeJS.ErrnoException).syscall === undefined) {
      throw invalid(`not a valid tar archive: ${err.message}`);
    }
    throw err;
  }
}

/** What `X-Docker-Container-Path-Stat` carries: Docker's PathStat, the mode in Go's os.FileMode bits. */
export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

const GO_MODE_DIR = 2 ** 31;
const GO_MODE_SYMLINK = 2 ** 27;

function goFileMode(stat: Stats): number {
  return (stat.mode & 0o777) + (stat.isDirectory() ? GO_MODE_DIR : 0) + (stat.isSymbolicLink() ? GO_MODE_SYMLINK : 0);
}

/** The path a GET or HEAD names, resolved inside the container; 404 when it does not exist there. */
function locate(c: Container, lowerDirs: string[], path: string): { layers: string[]; resolved: string; entry: MergedEntry } {
  refuseRunning(c);
  const layers = [c.paths.upper, ...lowerDirs];
  mkdirSync(c.paths.upper, { recursive: true, mode: 0o755 }); // a container never started has none yet
  const resolved = resolveInRoot(layers, path);
  const entry = resolved === "" ? { layer: c.paths.upper, stat: lstatSync(c.paths.upper) } : entryAt(layers, resolved);
  if (!entry) throw notFound(`Could not find the file ${path} in container ${c.record.Name}`);
  return { layers, resolved, entry };
}

export function statInContainer(c: Container, lowerDirs: string[], path: string): PathStat {
  const { resolved, entry } = locate(c, lowerDirs, path);
  return {
    name: posix.basename(`/${resolved}`) || "/",
    size: entry.stat.size,
    mode: goFileMode(entry.stat),
    mtime: entry.stat.mtime.toISOString(),
    linkTarget: entry.stat.isSymbolicLink() ? readlinkSync(join(entry.layer, resolved)) : "",
  };
}

/** Writes `path` (with everything under it, for a directory) as a tar to `out`, named by its last component. */
export async function packFromContainer(c: Container, lowerDirs: string[], path: string, out: Writable): Promise<void> {
  const { layers, resolved, entry } = locate(c, lowerDirs, path);
  const tar = pack();
  const done = pipeline(tar, out);
  await addEntry(tar, layers, resolved, posix.basename(`/${resolved}`) || ".", entry);
  tar.finalize();
  await done;
}

async function addEntry(tar: Pack, layers: string[], path: string, name: string, { layer, stat }: MergedEntry): Promise<void> {
  const header = { name, mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid, mtime: stat.mtime };
  const full = join(layer, path);
  if (stat.isDirectory()) {
    tar.entry({ ...header, type: "directory" });
    for (const [child, entry] of [...listDirectory(layers, path)].sort(([a], [b]) => a.localeCompare(b))) {
      await addEntry(tar, layers, path ? `${path}/${child}` : child, `${name}/${child}`, entry);
    }
  } else if (stat.isSymbolicLink()) {
    tar.entry({ ...header, type: "symlink", linkname: readlinkSync(full) });
  } else if (stat.isFile()) {
    // The layer is stable while nothing runs; O_NOFOLLOW still guards the last component.
    const input = createReadStream(full, { fd: openSync(full, O_RDONLY | O_NOFOLLOW) });
    await pipeline(input, tar.entry({ ...header, type: "file", size: stat.size }));
  } else if (stat.isFIFO()) {
    tar.entry({ ...header, type: "fifo" });
  }
  // Device nodes are not copied out: images rarely hold any, and /dev is the runtime's.
}
