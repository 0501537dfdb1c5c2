// What a volume costs and who uses it: Docker's UsageData, which `GET /system/df` reports per volume.
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Volume } from "./store.js";

export interface UsageData {
  /** Bytes of data; -1 when the volume has none on the host (tmpfs). */
  Size: number;
  /** How many containers use it. */
  RefCount: number;
}

/**
 * Apparent size of the files under `dir` as dockerd's directory.Size counts it: every non-directory's size,
 * a hard-linked file once. Symlinks are not followed; the walk stays on dir's filesystem.
 */
export async function directorySize(dir: string): Promise<number> {
  const root = await lstat(dir);
  const seen = new Set<number>();
  let total = 0;
  const walk = async (path: string): Promise<void> => {
    for (const name of await readdir(path)) {
      const child = join(path, name);
      const stat = await lstat(child);
      if (stat.dev !== root.dev) continue;
      if (stat.isDirectory()) await walk(child);
      else if (stat.nlink === 1 || !seen.has(stat.ino)) {
        seen.add(stat.ino);
        total += stat.size;
      }
    }
  };
  await walk(dir);
  return total;
}

export async function volumeUsage(volume: Volume, inUse: (name: string) => string[]): Promise<UsageData> {
  const size = volume.backing.kind === "tmpfs" ? -1 : await directorySize(volume.Mountpoint);
  return { Size: size, RefCount: inUse(volume.Name).length };
}
