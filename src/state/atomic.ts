// Crash-safe file replacement: readers see the old content or the new content, never a torn write.
import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Writes `data` to `path` via a temp file in the same directory, fsync and rename. A crash of berthd at any
 * point leaves the old or the new content; after a power loss the rename may be lost too, which also leaves the
 * old content — berthd recovers from either, so the directory is not fsynced (as moby's AtomicWriteFile), which
 * halves the cost of every state write. Every step goes through libuv's threadpool: creating and renaming files
 * takes the disk's metadata locks (~1 ms each when fifty containers start at once), time the event loop keeps
 * for other requests.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  const file = await open(temp, "wx", mode);
  try {
    await file.writeFile(data);
    await file.sync();
    await file.close();
    await rename(temp, path);
  } catch (err) {
    await file.close().catch(() => {}); // closed already, unless writing failed
    await rm(temp, { force: true });
    throw err;
  }
}
