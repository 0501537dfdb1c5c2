// A container's overlay upper directory as an OCI layer tar: what a build step changed. A deleted file is a
// character device 0:0 in the upper dir and becomes a `.wh.<name>` whiteout; a directory that replaced a lower
// one (xattr trusted.overlay.opaque=y) gets a `.wh..wh..opq` marker. Hard links within the layer stay links.
import { createReadStream, lstatSync, readdirSync, readlinkSync, type Stats } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pack, type Pack } from "tar-stream";
import { lgetxattr } from "../native.js";

type EntryHeader = Parameters<Pack["entry"]>[0];

/** Mount points of the files berthd binds into every container; they are not the build's content. */
const BIND_TARGETS = new Set(["etc/hosts", "etc/hostname", "etc/resolv.conf"]);

/** Streams the layer tar of `upper`; a failure while reading destroys the stream with it. */
export function layerTar(upper: string): Readable {
  const tar = pack();
  void writeEntries(tar, upper).then(
    () => tar.finalize(),
    (err: Error) => tar.destroy(err),
  );
  return tar as unknown as Readable;
}

async function writeEntries(tar: Pack, upper: string): Promise<void> {
  const links = new Map<string, string>();
  const walk = async (relative: string): Promise<void> => {
    const names = readdirSync(join(upper, relative)).sort();
    for (const name of names) {
      const path = relative === "" ? name : `${relative}/${name}`;
      if (BIND_TARGETS.has(path)) continue;
      const full = join(upper, path);
      const stats = lstatSync(full);
      if (stats.isCharacterDevice() && stats.rdev === 0) {
        await entry(tar, { ...headerOf(relative === "" ? `.wh.${name}` : `${relative}/.wh.${name}`, stats), type: "file", size: 0, mode: 0o644 });
        continue;
      }
      if (stats.isDirectory()) {
        await entry(tar, { ...headerOf(`${path}/`, stats), type: "directory" });
        if (isOpaque(full)) await entry(tar, { ...headerOf(`${path}/.wh..wh..opq`, stats), type: "file", size: 0, mode: 0o644 });
        await walk(path);
      } else if (stats.isSymbolicLink()) {
        await entry(tar, { ...headerOf(path, stats), type: "symlink", linkname: readlinkSync(full) });
      } else if (stats.isFile()) {
        const inode = `${stats.dev}:${stats.ino}`;
        const first = stats.nlink > 1 ? links.get(inode) : undefined;
        if (first !== undefined) {
          await entry(tar, { ...headerOf(path, stats), type: "link", linkname: first });
          continue;
        }
        if (stats.nlink > 1) links.set(inode, path);
        await entry(tar, { ...headerOf(path, stats), type: "file", size: stats.size }, createReadStream(full));
      } else if (stats.isFIFO()) {
        await entry(tar, { ...headerOf(path, stats), type: "fifo" });
      } else if (stats.isCharacterDevice() || stats.isBlockDevice()) {
        const type = stats.isCharacterDevice() ? "character-device" : "block-device";
        await entry(tar, { ...headerOf(path, stats), type, devmajor: Math.floor(stats.rdev / 256), devminor: stats.rdev % 256 });
      }
    }
  };
  await walk("");
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
