// `/containers/{id}/archive`: PUT extracts a tar into a container's filesystem, GET packs a path of it, HEAD
// describes that path — as dockerd does, with paths resolved inside the container (a symlink to / means the
// container's root, never the host's).
// - A running container: its root as its own mount namespace shows it, volumes, binds and tmpfs included,
//   reached through /proc/<pid>/root and never left (rooted-dir.ts).
// - A stopped one: the upper dir over the image layers, mounted nowhere (merged-view.ts reads it as
//   overlayfs will show it), written in the upper dir only; a path under a volume or bind goes to that
//   directory (rooted-dir.ts again, since a running container may share it). tmpfs mounts exist only while
//   the container runs: copying into one then is refused.
import { closeSync, constants, createReadStream, fchmodSync, fchownSync, futimesSync, lchownSync, lstatSync, lutimesSync, mkdirSync, openSync, readlinkSync, rmSync, statSync, symlinkSync, writeSync, type Stats } from "node:fs";
import { join, posix } from "node:path";
import type { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { extract, pack, type Header, type Pack } from "tar-stream";
import type { RootfsPlan } from "../image/store.js";
import { lsetxattr, pidfdOpen, pidfdSendSignal } from "../native.js";
import type { VolumeStore } from "../volume/store.js";
import { conflict, EngineError, invalid, notFound, NotImplementedError } from "./errors.js";
import type { Container } from "./lifecycle.js";
import { entryAt, isWhiteout, listDirectory, lstatOrUndefined, resolveInRoot, resolveUntilMount, type MergedEntry } from "./merged-view.js";
import { RootedDir, type ExtractOptions } from "./rooted-dir.js";
import { resolveIdentity } from "./user.js";

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY } = constants;

/** What the archive endpoints need besides the container: its image's rootfs and the volumes its mounts name. */
export interface ArchiveSources {
  rootfs: RootfsPlan;
  volumes: VolumeStore;
}

/** One of a container's mounts, for archive purposes. `target` is relative (no leading slash). */
interface MountInfo {
  target: string;
  readOnly: boolean;
  /** The host directory it shows (a volume's, or a bind's source), opened as a RootedDir; undefined for tmpfs and a file bind. */
  open?: () => RootedDir;
}

function mountsOf(c: Container, { rootfs, volumes }: ArchiveSources): MountInfo[] {
  const relative = (target: string) => target.replace(/^\/+/, "");
  const infos: MountInfo[] = rootfs.binds.map((b) => ({ target: relative(b.target), readOnly: true, open: () => RootedDir.open(b.source, b.target) }));
  for (const m of c.record.Mounts) {
    const target = relative(m.target);
    if (m.type === "tmpfs") {
      infos.push({ target, readOnly: m.readOnly });
    } else if (m.type === "bind") {
      // As Docker resolves a bind source: on the host, symlinks followed. A single file bound (or a source
      // not made yet) is no tree to copy into; a stopped container shows its layers there.
      const directory = statSync(m.source, { throwIfNoEntry: false })?.isDirectory() ?? false;
      infos.push({ target, readOnly: m.readOnly, ...(directory && { open: () => RootedDir.open(m.source, m.target) }) });
    } else {
      const volume = volumes.get(m.name);
      const { backing } = volume;
      if (backing.kind === "tmpfs") infos.push({ target, readOnly: m.readOnly });
      else infos.push({ target, readOnly: m.readOnly || (backing.kind === "bind" && backing.readOnly), open: () => RootedDir.open(volume.Mountpoint, m.target, m.subpath) });
    }
  }
  return infos;
}

/** The mount `path` (relative, resolved) lies in, the innermost one; undefined for the container's own root. */
function mountAt(mounts: readonly MountInfo[], path: string): MountInfo | undefined {
  return mounts.filter((m) => path === m.target || path.startsWith(`${m.target}/`)).sort((a, b) => b.target.length - a.target.length)[0];
}

/** dockerd's checks of the extraction target, in `mount` (undefined: the rootfs): a read-only volume, or else a read-only rootfs, refuse it. */
function checkWritable(c: Container, mount: MountInfo | undefined): void {
  if (mount?.readOnly) throw invalid("mounted volume is marked read-only");
  if (!mount && c.record.HostConfig.ReadonlyRootfs) throw invalid("container rootfs is marked read-only");
}

/** A running container's root, through its pid 1: a pidfd checked after the open proves that /proc/<pid> was not a recycled pid. */
function openRunningRoot(c: Container): RootedDir {
  const pid = c.record.State.Pid;
  const gone = () => conflict(`Container ${c.id} is not running: it stopped while its files were opened; try again`);
  let pidfd: number;
  try {
    pidfd = pidfdOpen(pid);
  } catch {
    throw gone();
  }
  try {
    const root = RootedDir.open(`/proc/${pid}/root`);
    try {
      pidfdSendSignal(pidfd, 0);
    } catch {
      root.close();
      throw gone();
    }
    return root;
  } finally {
    closeSync(pidfd);
  }
}

/** Docker's PUT archive options, with the owner copyUIDGID asks for resolved from the container's User. */
async function extractOptions(c: Container, rootfs: RootfsPlan, query: { noOverwriteDirNonDir: boolean; copyUIDGID: boolean }): Promise<ExtractOptions> {
  const user = c.record.Config.User ?? "";
  if (!query.copyUIDGID || user === "") return { noOverwriteDirNonDir: query.noOverwriteDirNonDir };
  const { uid, gid } = await resolveIdentity(user, [], [c.paths.upper, ...rootfs.lowerDirs]);
  return { noOverwriteDirNonDir: query.noOverwriteDirNonDir, owner: { uid, gid } };
}

/** Where one tar entry goes: `dest` in the tree `into` (a RootedDir), or in the stopped container's upper dir. */
type Destination = { into: RootedDir; dest: string } | { into: "upper"; dest: string };

/** Reads the tar and hands each entry, its name checked and made relative to the target, to `write`. */
async function eachEntry(tar: Readable, write: (name: string, header: Header, content: AsyncIterable<Buffer>) => Promise<void>): Promise<void> {
  const entries = extract();
  const feeding = pipeline(tar, entries);
  let current = "";
  try {
    for await (const entry of entries) {
      const { header } = entry;
      current = header.name;
      // Absolute names are relative to the target, as in Docker (compose sends /run/secrets/x to path /).
      const name = posix.normalize(header.name.replace(/^\/+/, "") || ".").replace(/\/+$/, "");
      if (name === ".." || name.startsWith("../")) throw invalid(`invalid tar entry ${header.name}: paths must stay inside the target`);
      if (header.type !== "file" && header.type !== "directory" && header.type !== "symlink") {
        throw invalid(`cannot copy ${header.name}: entries of type ${header.type} are not supported (files, directories and symlinks are)`);
      }
      // streamx readables are async-iterable; its type declarations just do not say so.
      await write(name === "." ? "" : name, header, entry as unknown as AsyncIterable<Buffer>);
      entry.resume();
    }
    await feeding;
  } catch (err) {
    entries.destroy();
    await feeding.catch(() => undefined);
    // An entry that reaches into a read-only mount below the target (which the target's check cannot see).
    if ((err as NodeJS.ErrnoException).code === "EROFS") throw invalid(`cannot extract ${current}: read-only file system`);
    // Filesystem failures are ours; what the tar parser says is the client's.
    if (err instanceof Error && !(err instanceof EngineError) && !(err instanceof NotImplementedError) && (err as NodeJS.ErrnoException).syscall === undefined) {
      throw invalid(`not a valid tar archive: ${err.message}`);
    }
    throw err;
  }
}

/** Extracts `tar` into the directory `path` of the container. */
export async function extractIntoContainer(
  c: Container,
  sources: ArchiveSources,
  path: string,
  tar: Readable,
  query: { noOverwriteDirNonDir: boolean; copyUIDGID: boolean },
): Promise<void> {
  const options = await extractOptions(c, sources.rootfs, query);
  const mounts = mountsOf(c, sources);
  if (c.running) {
    const root = openRunningRoot(c);
    try {
      closeSync(root.openTarget(path));
      // Entries go below the target as resolved now: an entry "." is the target directory, not a symlink to it.
      const target = root.realPath(path);
      if (target === "") throw notFound(`Could not find the file ${path} in container ${c.record.Name}`);
      checkWritable(c, mountAt(mounts, target.replace(/^\/+/, "")));
      await eachEntry(tar, (name, header, content) => root.write(posix.join(target, name), header, content, options));
    } finally {
      root.close();
    }
    return;
  }
  await extractStopped(c, sources.rootfs.lowerDirs, mounts, path, tar, options);
}

async function extractStopped(c: Container, lowerDirs: string[], mounts: MountInfo[], path: string, tar: Readable, options: ExtractOptions): Promise<void> {
  const upper = c.paths.upper;
  mkdirSync(upper, { recursive: true, mode: 0o755 });
  const layers = [upper, ...lowerDirs];
  const targets = mounts.map((m) => m.target);
  const trees = new Map<string, RootedDir>();
  const tree = (mount: MountInfo): RootedDir => {
    if (!mount.open) {
      throw new NotImplementedError(`copying into /${mount.target} of a stopped container is not supported: ` +
        "it is a tmpfs, a single file or a bind whose host directory does not exist yet, mounted only while the container runs");
    }
    let opened = trees.get(mount.target);
    if (!opened) trees.set(mount.target, (opened = mount.open()));
    return opened;
  };
  /** Where `path` (its last component not followed) goes, and the mount it is in. */
  const locate = (path: string): { to: Destination; mount?: MountInfo } => {
    const at = resolveUntilMount(layers, path, { mounts: targets, followLast: false });
    const mount = at.mount === undefined ? undefined : mounts.find((m) => m.target === at.mount);
    return { to: mount ? { into: tree(mount), dest: at.rest } : { into: "upper", dest: at.resolved }, mount };
  };
  try {
    const resolved = resolveUntilMount(layers, path, { mounts: targets, followLast: true });
    const targetMount = resolved.mount === undefined ? undefined : mounts.find((m) => m.target === resolved.mount)!;
    if (targetMount) {
      closeSync(tree(targetMount).openTarget(resolved.rest));
    } else if (resolved.resolved !== "") {
      const stat = entryAt(layers, resolved.resolved)?.stat;
      if (!stat) throw notFound(`Could not find the file ${path} in container ${c.record.Name}`);
      if (!stat.isDirectory()) throw invalid(`extraction point is not a directory: ${path}`);
    }
    checkWritable(c, targetMount);
    // Entries go below the target as resolved now: an entry "." is the target directory, not a symlink to it.
    const target = targetMount ? tree(targetMount).realPath(resolved.rest) : `/${resolved.resolved}`;
    if (target === "") throw notFound(`Could not find the file ${path} in container ${c.record.Name}`);
    await eachEntry(tar, async (name, header, content) => {
      const { to, mount } = locate(posix.join(target, name));
      if (mount?.readOnly) throw invalid("mounted volume is marked read-only");
      if (to.into === "upper") await writeUpper(upper, layers, to.dest, header, content, options);
      else await to.into.write(to.dest, header, content, options);
    });
  } finally {
    for (const opened of trees.values()) opened.close();
  }
}

/** Makes `dir` (resolved, relative) a directory in the upper dir, replacing a whiteout with an opaque directory. */
function ensureUpperDir(upper: string, layers: string[], dir: string, options: ExtractOptions): void {
  let sofar = "";
  for (const part of dir.split("/").filter(Boolean)) {
    sofar = sofar ? `${sofar}/${part}` : part;
    const inUpper = lstatOrUndefined(join(upper, sofar));
    if (inUpper?.isDirectory()) continue;
    const merged = entryAt(layers, sofar)?.stat;
    if (merged && !merged.isDirectory()) {
      if (options.noOverwriteDirNonDir) throw conflict(`cannot overwrite non-directory "/${sofar}" with directory`);
      rmSync(join(upper, sofar), { force: true });
    }
    if (inUpper && isWhiteout(inUpper)) {
      rmSync(join(upper, sofar));
      mkdirSync(join(upper, sofar), 0o755);
      lsetxattr(join(upper, sofar), "trusted.overlay.opaque", "y"); // what was deleted stays deleted
    } else {
      mkdirSync(join(upper, sofar), 0o755);
    }
  }
}

/** One entry into a stopped container's upper dir (the upper dir is ours alone while nothing runs, so what lstat saw stays true). */
async function writeUpper(upper: string, layers: string[], dest: string, header: Header, content: AsyncIterable<Buffer>, options: ExtractOptions): Promise<void> {
  ensureUpperDir(upper, layers, posix.dirname(dest) === "." ? "" : posix.dirname(dest), options);
  const full = join(upper, dest);
  const uid = options.owner?.uid ?? header.uid ?? 0;
  const gid = options.owner?.gid ?? header.gid ?? 0;
  const mtime = header.mtime ?? new Date();
  if (header.type === "directory") {
    ensureUpperDir(upper, layers, dest, options);
    const fd = openSync(full, O_RDONLY | O_NOFOLLOW);
    try {
      fchownSync(fd, uid, gid);
      fchmodSync(fd, (header.mode ?? 0o755) & 0o7777);
      futimesSync(fd, mtime, mtime);
    } finally {
      closeSync(fd);
    }
    return;
  }
  const merged = dest === "" ? undefined : entryAt(layers, dest)?.stat;
  if (merged?.isDirectory()) {
    if (options.noOverwriteDirNonDir) throw conflict(`cannot overwrite directory "/${dest}" with non-directory "${header.name}"`);
    rmSync(full, { recursive: true, force: true });
  } else {
    rmSync(full, { force: true });
  }
  // A directory of the layers of that name must not show through the new entry either: overlayfs hides a
  // lower directory under a non-directory, so the new file or symlink suffices.
  if (header.type === "file") {
    const fd = openSync(full, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    try {
      for await (const chunk of content) writeSync(fd, chunk);
      fchownSync(fd, uid, gid);
      fchmodSync(fd, (header.mode ?? 0o644) & 0o7777); // after chown, which clears setuid bits; exact, whatever berthd's umask
      futimesSync(fd, mtime, mtime);
    } finally {
      closeSync(fd);
    }
  } else {
    symlinkSync(header.linkname ?? "", full);
    lchownSync(full, uid, gid);
    lutimesSync(full, mtime, mtime);
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

function pathStat(path: string, stat: Stats, linkTarget: () => string): PathStat {
  return {
    name: posix.basename(posix.normalize(`/${path}`)) || "/",
    size: stat.size,
    mode: goFileMode(stat),
    mtime: stat.mtime.toISOString(),
    linkTarget: stat.isSymbolicLink() ? linkTarget() : "",
  };
}

/**
 * Where a GET or HEAD path is: in a directory tree (a running container's root, or a mount of a stopped
 * one) or in a stopped container's layers. The last component is not followed: a symlink is itself.
 */
type Located =
  | { in: "tree"; tree: RootedDir; path: string }
  | { in: "layers"; layers: string[]; mounts: MountInfo[]; resolved: string; entry: MergedEntry };

function locate(c: Container, sources: ArchiveSources, path: string): Located {
  if (c.running) return { in: "tree", tree: openRunningRoot(c), path };
  mkdirSync(c.paths.upper, { recursive: true, mode: 0o755 }); // a container never started has none yet
  const layers = [c.paths.upper, ...sources.rootfs.lowerDirs];
  const mounts = mountsOf(c, sources).filter((m) => m.open !== undefined); // a stopped container shows its layers at a tmpfs
  const at = resolveUntilMount(layers, path, { mounts: mounts.map((m) => m.target), followLast: false });
  if (at.mount !== undefined) return { in: "tree", tree: mounts.find((m) => m.target === at.mount)!.open!(), path: at.rest };
  const entry = at.resolved === "" ? { layer: c.paths.upper, stat: lstatSync(c.paths.upper) } : entryAt(layers, at.resolved);
  if (!entry) throw notFound(`Could not find the file ${path} in container ${c.record.Name}`);
  return { in: "layers", layers, mounts, resolved: at.resolved, entry };
}

export function statInContainer(c: Container, sources: ArchiveSources, path: string): PathStat {
  const at = locate(c, sources, path);
  if (at.in === "layers") return pathStat(path, at.entry.stat, () => `/${resolveInRoot(at.layers, at.resolved)}`);
  try {
    return pathStat(path, at.tree.lstat(at.path), () => at.tree.realPath(at.path));
  } finally {
    at.tree.close();
  }
}

/** Writes `path` (with everything under it, for a directory) as a tar to `out`, named by its last component. */
export async function packFromContainer(c: Container, sources: ArchiveSources, path: string, out: Writable): Promise<void> {
  const at = locate(c, sources, path);
  const tar = pack();
  const done = pipeline(tar, out);
  const name = posix.basename(posix.normalize(`/${path}`)) || ".";
  try {
    if (at.in === "tree") await at.tree.pack(tar, at.path, name);
    else await addEntry(tar, at.layers, at.mounts, at.resolved, name, at.entry);
  } finally {
    if (at.in === "tree") at.tree.close();
  }
  tar.finalize();
  await done;
}

async function addEntry(tar: Pack, layers: string[], mounts: MountInfo[], path: string, name: string, { layer, stat }: MergedEntry): Promise<void> {
  const mount = mounts.find((m) => m.target === path);
  if (mount) {
    // What the container will see there is the mounted directory, not what the layers hold.
    const tree = mount.open!();
    try {
      await tree.pack(tar, "", name);
    } finally {
      tree.close();
    }
    return;
  }
  const header = { name, mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid, mtime: stat.mtime };
  const full = join(layer, path);
  if (stat.isDirectory()) {
    tar.entry({ ...header, type: "directory" });
    for (const [child, entry] of [...listDirectory(layers, path)].sort(([a], [b]) => a.localeCompare(b))) {
      await addEntry(tar, layers, mounts, path ? `${path}/${child}` : child, `${name}/${child}`, entry);
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
