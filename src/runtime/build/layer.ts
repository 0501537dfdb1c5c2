// A container's overlay upper directory as an OCI layer tar: what a build step or a commit changed. A deleted
// file is a character device 0:0 in the upper dir and becomes a `.wh.<name>` whiteout; a directory that
// replaced a lower one (xattr trusted.overlay.opaque=y) gets a `.wh..wh..opq` marker. Hard links within the
// layer stay links. The walk looks up one name at a time in directories it holds open and follows no symlink,
// so a container that runs meanwhile (a commit without pause) cannot lead it outside the upper dir.
import { closeSync, constants, createReadStream, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, type Stats } from "node:fs";
import type { Readable } from "node:stream";
import { pack, type Pack } from "tar-stream";
import { lgetxattr } from "../native.js";

type EntryHeader = Parameters<Pack["entry"]>[0];

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK } = constants;

/** Mount points of the files berthd binds into every container; they are not the container's content. */
export const BIND_TARGETS: ReadonlySet<string> = new Set(["etc/hosts", "etc/hostname", "etc/resolv.conf"]);

/** One entry of an upper dir. */
export interface UpperEntry {
  /** Relative to the upper dir, without a leading slash. */
  path: string;
  /**
   * The entry as `/proc/self/fd/<its directory>/<name>`: a path that looks up that one name in a directory held
   * open, so that no symlink a running container swaps in can lead a read outside the upper dir. Valid until
   * the walk moves on to the next entry.
   */
  at: string;
  stats: Stats;
  /** A deleted file or directory: overlayfs' character device 0:0. */
  whiteout: boolean;
  /** A directory that hides everything the layers below had there. */
  opaque: boolean;
  /** A directory's entry names, sorted; none for anything else, or a mount point. */
  names: string[];
}

/**
 * The entries of `upper` in tar order (a directory before what it holds, names sorted), without the paths in
 * `excluded` and what lies below them; a path there that ends in `/` leaves out only what lies below that
 * directory (a mount point). A container that never started has no upper dir: no entries.
 */
export function* upperEntries(upper: string, excluded: ReadonlySet<string>): Generator<UpperEntry> {
  let root: number;
  try {
    root = openSync(upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  function* walk(dirFd: number, relative: string, names: string[]): Generator<UpperEntry> {
    for (const name of names) {
      const path = relative === "" ? name : `${relative}/${name}`;
      if (excluded.has(path)) continue;
      const at = `/proc/self/fd/${dirFd}/${name}`;
      const stats = lstatSync(at, { throwIfNoEntry: false });
      if (!stats) continue; // deleted meanwhile, by a container running unpaused
      if (!stats.isDirectory()) {
        yield { path, at, stats, whiteout: stats.isCharacterDevice() && stats.rdev === 0, opaque: false, names: [] };
        continue;
      }
      if (excluded.has(`${path}/`)) {
        yield { path, at, stats, whiteout: false, opaque: false, names: [] };
        continue;
      }
      const fd = openSync(at, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
      try {
        const children = readdirSync(`/proc/self/fd/${fd}`).sort();
        yield { path, at, stats, whiteout: false, opaque: isOpaque(at), names: children };
        yield* walk(fd, path, children);
      } finally {
        closeSync(fd);
      }
    }
  }
  try {
    yield* walk(root, "", readdirSync(`/proc/self/fd/${root}`).sort());
  } finally {
    closeSync(root);
  }
}

/** Streams the layer tar of `upper` without the `excluded` paths; a failure while reading destroys the stream with it. */
export function layerTar(upper: string, excluded: ReadonlySet<string> = BIND_TARGETS): Readable {
  const tar = pack();
  void writeEntries(tar, upper, excluded).then(
    () => tar.finalize(),
    (err: Error) => tar.destroy(err),
  );
  return tar as unknown as Readable;
}

async function writeEntries(tar: Pack, upper: string, excluded: ReadonlySet<string>): Promise<void> {
  const links = new Map<string, string>();
  for (const { path, at, stats, whiteout, opaque } of upperEntries(upper, excluded)) {
    if (whiteout) {
      const slash = path.lastIndexOf("/");
      await entry(tar, { ...headerOf(`${path.slice(0, slash + 1)}.wh.${path.slice(slash + 1)}`, stats), type: "file", size: 0, mode: 0o644 });
    } else if (stats.isDirectory()) {
      await entry(tar, { ...headerOf(`${path}/`, stats), type: "directory" });
      if (opaque) await entry(tar, { ...headerOf(`${path}/.wh..wh..opq`, stats), type: "file", size: 0, mode: 0o644 });
    } else if (stats.isSymbolicLink()) {
      await entry(tar, { ...headerOf(path, stats), type: "symlink", linkname: readlinkSync(at) });
    } else if (stats.isFile()) {
      const inode = `${stats.dev}:${stats.ino}`;
      const first = stats.nlink > 1 ? links.get(inode) : undefined;
      if (first !== undefined) {
        await entry(tar, { ...headerOf(path, stats), type: "link", linkname: first });
        continue;
      }
      if (stats.nlink > 1) links.set(inode, path);
      await entry(tar, { ...headerOf(path, stats), type: "file", size: stats.size }, fileContent(at, path, stats));
    } else if (stats.isFIFO()) {
      await entry(tar, { ...headerOf(path, stats), type: "fifo" });
    } else if (stats.isCharacterDevice() || stats.isBlockDevice()) {
      const type = stats.isCharacterDevice() ? "character-device" : "block-device";
      await entry(tar, { ...headerOf(path, stats), type, devmajor: Math.floor(stats.rdev / 256), devminor: stats.rdev % 256 });
    }
  }
}

/** The regular file lstat saw at `at`, never what a swapped-in symlink or fifo would lead to; its first `size` bytes. */
function fileContent(at: string, path: string, stats: Stats): Readable | undefined {
  if (stats.size === 0) return undefined;
  const fd = openSync(at, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  const opened = fstatSync(fd);
  if (!opened.isFile() || opened.ino !== stats.ino || opened.dev !== stats.dev) {
    closeSync(fd);
    throw new Error(`/${path} changed while the layer was being made`);
  }
  return createReadStream("", { fd, start: 0, end: stats.size - 1 });
}

function headerOf(name: string, stats: Stats): EntryHeader {
  return { name, mode: stats.mode & 0o7777, uid: stats.uid, gid: stats.gid, mtime: stats.mtime };
}

function isOpaque(path: string): boolean {
  try {
    return lgetxattr(path, "trusted.overlay.opaque").toString() === "y";
  } catch {
    return false;
  }
}

/** Adds one entry, waiting until its content is written. */
function entry(tar: Pack, header: EntryHeader, content?: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    const sink = tar.entry(header, (err) => (err ? reject(err) : resolve()));
    if (content) {
      content.on("error", reject);
      content.pipe(sink);
    } else if (header.type === "file") sink.end(Buffer.alloc(0));
  });
}
