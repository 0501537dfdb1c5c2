// A real directory tree that archive operations read and write without ever leaving it: a running
// container's root (its mount namespace's `/`, reached through /proc/<pid>/root, so that its volumes, binds
// and tmpfs are there too), or a volume's directory. The tree may change under us while we work (the
// container runs), so nothing here trusts a path twice:
// - a path inside the tree is opened with openat2 RESOLVE_IN_ROOT (`..` and symlinks, absolute ones too,
//   resolve as if the tree were `/`);
// - every other operation names one entry of a directory we hold open, as /proc/self/fd/<dir>/<name>: the
//   only lookup is that one name, and none of the calls used follows a final symlink (lstat, readlink,
//   mkdir, symlink, unlink, rmdir, lchown, lutimes, open with O_NOFOLLOW).
import {
  closeSync, constants, fchmodSync, fchownSync, fstatSync, futimesSync, lchownSync, lstatSync, lutimesSync, mkdirSync, openSync, read,
  readdirSync, readlinkSync, rmdirSync, symlinkSync, unlinkSync, writeSync, type Stats,
} from "node:fs";
import { posix } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import type { Header, Pack } from "tar-stream";
import { openInRoot, O_PATH } from "../native.js";
import { conflict, invalid, notFound } from "./errors.js";

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_DIRECTORY, O_NONBLOCK } = constants;
const readAsync = promisify(read);
const CHUNK = 64 * 1024;

/** `name` in the directory open as `dirFd`, as a path that looks up that one name and nothing else. */
const entryPath = (dirFd: number, name: string) => `/proc/self/fd/${dirFd}/${name}`;

/** What write() reads of a tar entry's header. */
export type EntryHeader = Pick<Header, "name" | "type" | "mode" | "uid" | "gid" | "mtime"> & { linkname?: string };

/** What to do with the owner and an existing entry when extracting; Docker's PUT archive options. */
export interface ExtractOptions {
  /** Refuse to replace a directory with a non-directory or the reverse (else the old entry goes). */
  noOverwriteDirNonDir: boolean;
  /** Owner of every entry (copyUIDGID with a container User); undefined: the tar headers' owners. */
  owner?: { uid: number; gid: number };
}

export class RootedDir {
  private constructor(
    /** O_PATH descriptor of the tree's top. */
    readonly fd: number,
    /** What the tree's top is called in error messages and link targets: "/" or the mount target. */
    readonly shownAs: string,
  ) {}

  /**
   * Opens the directory at the host path `path` (e.g. /proc/<pid>/root) as a tree shown as `shownAs`;
   * with `subpath`, the directory at that path inside it (resolved inside, as everything else).
   */
  static open(path: string, shownAs = "/", subpath = ""): RootedDir {
    const top = openSync(path, O_PATH | O_DIRECTORY);
    if (subpath === "") return new RootedDir(top, shownAs);
    try {
      return new RootedDir(openInRoot(top, subpath, O_PATH | O_DIRECTORY), shownAs);
    } finally {
      closeSync(top);
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  /** `path` (inside the tree) as messages show it. */
  shown(path: string): string {
    return posix.join(this.shownAs, "/", path);
  }

  /** An fd of `path` resolved inside the tree; ENOENT and ENOTDIR become Docker's 404, naming `asked`. */
  open(path: string, flags: number, asked = path): number {
    try {
      return openInRoot(this.fd, path || "/", flags);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") throw notFound(`Could not find the file ${this.shown(asked)} in container`);
      throw err;
    }
  }

  /** The parent directory of `path` (open, O_PATH) and its last name; "" names the tree's top itself. */
  #parentOf(path: string): { dir: number; name: string } {
    const clean = posix.normalize(`/${path}`);
    return { dir: this.open(posix.dirname(clean), O_PATH | O_DIRECTORY, path), name: posix.basename(clean) };
  }

  /** lstat of `path`: symlinks on the way are followed inside the tree, a final one is not. */
  lstat(path: string): Stats {
    const { dir, name } = this.#parentOf(path);
    try {
      if (name === "") return fstatSync(dir);
      const stat = lstatSync(entryPath(dir, name), { throwIfNoEntry: false });
      if (!stat) throw notFound(`Could not find the file ${this.shown(path)} in container`);
      return stat;
    } finally {
      closeSync(dir);
    }
  }

  /** Where `path` leads with every symlink followed (inside the tree), as the tree shows it: Docker's PathStat.linkTarget. */
  realPath(path: string): string {
    let fd: number;
    try {
      fd = openInRoot(this.fd, path || "/", O_PATH);
    } catch {
      return ""; // a dangling link leads nowhere
    }
    try {
      // The kernel names an fd's path from the root of the mount namespace it lives in: the container's
      // own paths for /proc/<pid>/root, host paths for a volume directory (made relative to the top here).
      const top = readlinkSync(`/proc/self/fd/${this.fd}`);
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      const inside = top === "/" ? target : target === top ? "/" : target.startsWith(`${top}/`) ? target.slice(top.length) : undefined;
      return inside === undefined ? "" : posix.join(this.shownAs, inside);
    } finally {
      closeSync(fd);
    }
  }

  /** Packs `path` (with everything under it, for a directory; a final symlink as itself) into `tar` named `tarName`. */
  async pack(tar: Pack, path: string, tarName: string): Promise<void> {
    const { dir, name } = this.#parentOf(path);
    try {
      if (name === "") await packDirectory(tar, dir, tarName, fstatSync(dir));
      else await packEntry(tar, dir, name, tarName);
    } finally {
      closeSync(dir);
    }
  }

  /** The directory `path` for extraction: it must exist and be a directory (a final symlink is followed). */
  openTarget(path: string): number {
    try {
      return openInRoot(this.fd, path || "/", O_PATH | O_DIRECTORY);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") throw notFound(`Could not find the file ${this.shown(path)} in container`);
      if (code === "ENOTDIR") throw invalid(`extraction point is not a directory: ${this.shown(path)}`);
      throw err;
    }
  }

  /**
   * Writes one tar entry at `dest` (inside the tree, relative, no `..`): parents are created as needed
   * (0755, root-owned, as Docker's untar makes them), then the entry replaces what was there.
   */
  async write(dest: string, header: EntryHeader, content: AsyncIterable<Buffer>, options: ExtractOptions): Promise<void> {
    const parent = this.#makeParents(posix.dirname(dest));
    const name = posix.basename(dest);
    try {
      const full = entryPath(parent, name);
      let existing = name === "" ? fstatSync(parent) : lstatSync(full, { throwIfNoEntry: false });
      const isDir = header.type === "directory";
      if (existing && (isDir !== existing.isDirectory() || !isDir)) {
        if (options.noOverwriteDirNonDir && isDir !== existing.isDirectory()) {
          throw conflict(isDir
            ? `cannot overwrite non-directory "${this.shown(dest)}" with directory "${header.name}"`
            : `cannot overwrite directory "${this.shown(dest)}" with non-directory "${header.name}"`);
        }
        removeEntry(parent, name);
        existing = undefined;
      }
      const uid = options.owner?.uid ?? header.uid ?? 0;
      const gid = options.owner?.gid ?? header.gid ?? 0;
      const mode = (header.mode ?? 0o644) & 0o7777;
      const mtime = header.mtime ?? new Date();
      if (header.type === "symlink") {
        symlinkSync(header.linkname ?? "", full);
        lchownSync(full, uid, gid);
        lutimesSync(full, mtime, mtime);
        return;
      }
      if (isDir && !existing) mkdirSync(full, 0o700);
      const fd = isDir
        ? (name === "" ? this.open(dest, O_RDONLY | O_DIRECTORY) : openSync(full, O_RDONLY | O_DIRECTORY | O_NOFOLLOW))
        : openSync(full, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
      try {
        if (!isDir) for await (const chunk of content) writeSync(fd, chunk);
        fchownSync(fd, uid, gid);
        fchmodSync(fd, mode); // after chown, which clears setuid bits; exact, whatever berthd's umask
        futimesSync(fd, mtime, mtime);
      } finally {
        closeSync(fd);
      }
    } finally {
      closeSync(parent);
    }
  }

  /** The directory `dir` (relative), created with its missing parents; an O_PATH fd. */
  #makeParents(dir: string): number {
    const parts = dir.split("/").filter((p) => p !== "" && p !== ".");
    let fd = this.open("/", O_PATH | O_DIRECTORY);
    for (let i = 0; i < parts.length; i++) {
      let next: number;
      try {
        next = openInRoot(this.fd, parts.slice(0, i + 1).join("/"), O_PATH | O_DIRECTORY);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
          closeSync(fd);
          if ((err as NodeJS.ErrnoException).code === "ENOTDIR") throw invalid(`cannot extract into ${this.shown(parts.slice(0, i + 1).join("/"))}: it is not a directory`);
          throw err;
        }
        try {
          mkdirSync(entryPath(fd, parts[i]!), 0o755);
        } catch (mkdirErr) {
          if ((mkdirErr as NodeJS.ErrnoException).code !== "EEXIST") {
            closeSync(fd);
            throw mkdirErr;
          }
        }
        next = this.open(parts.slice(0, i + 1).join("/"), O_PATH | O_DIRECTORY);
      }
      closeSync(fd);
      fd = next;
    }
    return fd;
  }
}

/** Removes entry `name` of directory `dirFd`, a directory with everything in it, one name at a time. */
function removeEntry(dirFd: number, name: string): void {
  const path = entryPath(dirFd, name);
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (!stat) return;
  if (!stat.isDirectory()) {
    unlinkSync(path);
    return;
  }
  const fd = openSync(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  try {
    for (const child of readdirSync(entryPath(fd, ""))) removeEntry(fd, child);
  } finally {
    closeSync(fd);
  }
  rmdirSync(path);
}

function headerOf(stat: Stats, name: string): Pick<Header, "name" | "mode" | "uid" | "gid" | "mtime"> {
  return { name, mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid, mtime: stat.mtime };
}

async function packEntry(tar: Pack, dirFd: number, name: string, tarName: string): Promise<void> {
  const path = entryPath(dirFd, name);
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (!stat) return; // gone since its directory was read
  if (stat.isDirectory()) {
    const fd = openSync(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    try {
      await packDirectory(tar, fd, tarName, fstatSync(fd));
    } finally {
      closeSync(fd);
    }
  } else if (stat.isSymbolicLink()) {
    tar.entry({ ...headerOf(stat, tarName), type: "symlink", linkname: readlinkSync(path) });
  } else if (stat.isFile()) {
    // O_NONBLOCK: if a fifo took the file's place meanwhile, the open must not wait for a writer.
    const fd = openSync(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    try {
      const opened = fstatSync(fd);
      if (!opened.isFile()) return;
      await pipeline(Readable.from(exactly(fd, opened.size)), tar.entry({ ...headerOf(opened, tarName), type: "file", size: opened.size }));
    } finally {
      closeSync(fd);
    }
  } else if (stat.isFIFO()) {
    tar.entry({ ...headerOf(stat, tarName), type: "fifo" });
  }
  // Device nodes and sockets are not copied out: they are the runtime's (/dev), not the container's data.
}

async function packDirectory(tar: Pack, fd: number, tarName: string, stat: Stats): Promise<void> {
  tar.entry({ ...headerOf(stat, tarName), type: "directory" });
  for (const child of readdirSync(entryPath(fd, "")).sort()) await packEntry(tar, fd, child, `${tarName}/${child}`);
}

/** `size` bytes of the file: a file that shrinks while it is read (the container writes it) is padded with zeros, so the tar stays valid. */
async function* exactly(fd: number, size: number): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < size; ) {
    const buffer = Buffer.alloc(Math.min(CHUNK, size - offset));
    const { bytesRead } = await readAsync(fd, buffer, 0, buffer.length, offset);
    if (bytesRead === 0) {
      yield Buffer.alloc(size - offset);
      return;
    }
    offset += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}
