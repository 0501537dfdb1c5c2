// Docker's copy-up: an empty volume mounted where the image has content starts as a copy of that content —
// files, directories, symlinks, hard links and fifos with their owners, modes and mtimes. The content comes
// from the image's unpacked layers as overlayfs would merge them (merged-view.ts), so nothing outside the
// layers is read: symlinks are copied as symlinks, never followed. Each entry is created exclusively (a name
// that already exists fails the copy) and metadata is set through O_NOFOLLOW descriptors.
import { constants, type Stats } from "node:fs";
import { copyFile, link, lchown, lstat, lutimes, mkdir, open, readdir, readlink, symlink } from "node:fs/promises";
import { join } from "node:path";
import { mknod, S_IFIFO } from "../native.js";
import { listMerged, resolveDirectory } from "./merged-view.js";

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK, O_DIRECTORY } = constants;

/**
 * Fills the empty directory `volumeDir` from the image directory at `imagePath` (resolved inside the
 * image). Does nothing and returns false when the volume is not empty or the image has no directory there;
 * the volume's own directory takes the owner and mode of the image's, as in Docker.
 */
export async function copyUp(lowerDirs: readonly string[], imagePath: string, volumeDir: string): Promise<boolean> {
  if ((await readdir(volumeDir)).length > 0) return false;
  const layers = await resolveDirectory(lowerDirs, imagePath);
  if (layers === undefined) return false;
  await copyTree(layers, volumeDir, new Map());
  await applyMetadata(volumeDir, await lstat(layers[0]!), O_DIRECTORY);
  return true;
}

/** `hardLinks`: first copy of each multiply-linked source inode (`dev:ino`), to link the later names to. */
async function copyTree(layers: readonly string[], dest: string, hardLinks: Map<string, string>): Promise<void> {
  for (const entry of await listMerged(layers)) {
    const to = join(dest, entry.name);
    const { stat } = entry;
    if (stat.isDirectory()) {
      await mkdir(to, { mode: 0o700 });
      await copyTree(entry.layers, to, hardLinks);
      await applyMetadata(to, stat, O_DIRECTORY);
    } else if (stat.isFile()) {
      const inode = `${stat.dev}:${stat.ino}`;
      const first = stat.nlink > 1 ? hardLinks.get(inode) : undefined;
      if (first !== undefined) {
        await link(first, to);
        continue;
      }
      await copyFile(entry.path, to, constants.COPYFILE_EXCL);
      await applyMetadata(to, stat, 0);
      if (stat.nlink > 1) hardLinks.set(inode, to);
    } else if (stat.isSymbolicLink()) {
      await symlink(await readlink(entry.path), to);
      await lchown(to, stat.uid, stat.gid);
      await lutimes(to, stat.atime, stat.mtime);
    } else if (stat.isFIFO()) {
      mknod(to, S_IFIFO | (stat.mode & 0o7777));
      await applyMetadata(to, stat, 0);
    }
    // Sockets and device nodes are not image content (layers never hold devices other than whiteouts).
  }
}

/** Owner, then mode (a chown clears setuid bits), then times — through a descriptor of `path` itself, not of a symlink. */
async function applyMetadata(path: string, stat: Stats, typeFlag: number): Promise<void> {
  // O_NONBLOCK: opening a fifo for reading would otherwise wait for a writer.
  const handle = await open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | typeFlag);
  try {
    await handle.chown(stat.uid, stat.gid);
    await handle.chmod(stat.mode & 0o7777);
    await handle.utimes(stat.atime, stat.mtime);
  } finally {
    await handle.close();
  }
}

