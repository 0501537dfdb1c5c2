// Crash-safe file replacement: readers see the old content or the new content, never a torn write.
import { closeSync, fsync, openSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";
import { promisify } from "node:util";

const fsyncFd = promisify(fsync);

/**
 * Writes `data` to `path` via a temp file in the same directory, fsync and rename; fsyncs the directory too.
 * Opening, writing into the page cache, renaming and closing take microseconds and are made synchronously;
 * only the two fsyncs, which wait for the disk, go through libuv's threadpool (each round trip there costs
 * more than those calls together).
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
  // The rename itself is only durable once the directory entry is on disk.
  const parent = openSync(dir, "r");
  try {
    await fsyncFd(parent);
  } finally {
    closeSync(parent);
  }
}
