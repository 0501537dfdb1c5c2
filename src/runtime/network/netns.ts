// A network namespace per container, bound to a file so that it outlives every process in it (as `ip netns`
// does): the monitor joins it by path, and endpoints can be connected before the container starts or after it ends.
import { rm, statfs, writeFile } from "node:fs/promises";
import { bindMount, detachMount, inNetns } from "../native.js";
import { Rtnl } from "./netlink.js";

/** statfs f_type of a namespace file (NSFS_MAGIC): the bind mount is in place. */
const NSFS_MAGIC = 0x6e736673;

export async function isNetns(path: string): Promise<boolean> {
  try {
    return (await statfs(path)).type === NSFS_MAGIC;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}

/** Creates a fresh network namespace bound at `path`, with loopback up. A namespace already there is kept. */
export async function createNetns(path: string): Promise<void> {
  if (await isNetns(path)) return;
  await writeFile(path, "", { mode: 0o444 });
  try {
    // Only this thread enters the new namespace, and only while it binds it to the file; then it returns.
    inNetns(null, () => bindMount("/proc/thread-self/ns/net", path));
  } catch (err) {
    await rm(path, { force: true });
    throw new Error(`cannot bind the network namespace to ${path}: ${(err as Error).message}`);
  }
  const rtnl = Rtnl.openIn(path);
  try {
    const lo = await rtnl.link("lo");
    if (lo) await rtnl.setUp(lo.index);
  } finally {
    rtnl.close();
  }
}

/** Unbinds and deletes the namespace file; every link still inside goes with the namespace. Missing is fine. */
export async function removeNetns(path: string): Promise<void> {
  if (await isNetns(path)) {
    try {
      // Lazy: a process may still hold the namespace open; it goes when the last holder lets go.
      detachMount(path);
    } catch (err) {
      throw new Error(`cannot unbind the network namespace at ${path}: ${(err as Error).message}`);
    }
  }
  await rm(path, { force: true });
}
