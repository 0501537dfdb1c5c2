// Crash-safe file replacement: readers see the old content or the new content, never a torn write.
import { closeSync, fsync, openSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";
import { promisify } from "node:util";

const fsyncFd = promisify(fsync);

/**
 * Writes `data` to `path` via a temp file in the same directory, fsync and rename. A crash of berthd at any
 * point leaves the old or the new content; after a power loss the rename may be lost too, which also leaves the
 * old content — berthd recovers from either, so the directory is not fsynced (as moby's AtomicWriteFile), which
 * halves the cost of every state write. Opening, writing into the page cache, renaming and closing take
 * microseconds and are made synchronously; only the fsync, which waits for the disk, goes through libuv's
 * threadpool.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  const fd = openSync(temp, "wx", mode);
  try {
    writeFileSync(fd, data);
    await fsyncFd(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}
