// A network namespace per container, bound to a file so that it outlives every process in it (as `ip netns`
// does): the monitor joins it by path, and endpoints can be connected before the container starts or after it ends.
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { rm, statfs, writeFile } from "node:fs/promises";
import { inNetns } from "../native.js";
import { Rtnl } from "./netlink.js";

/** Runs a util-linux tool, passing `fd` as its fd 3; rejects with its stderr. */
function run(command: string, args: string[], fd?: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe", ...(fd === undefined ? [] : [fd])] });
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve() : reject(new Error(stderr.trim() || `${command} exited with ${code}`))));
  });
}

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
  // The new namespace lives as long as this fd, which is long enough for mount to pin it to the file.
  const fd = inNetns(null, () => openSync("/proc/thread-self/ns/net", "r"));
  try {
    await run("mount", ["--bind", "/proc/self/fd/3", path], fd);
  } catch (err) {
    await rm(path, { force: true });
    throw new Error(`cannot bind the network namespace to ${path}: ${(err as Error).message}`);
  } finally {
    closeSync(fd);
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
      await run("umount", ["--lazy", path]);
    } catch (err) {
      throw new Error(`cannot unbind the network namespace at ${path}: ${(err as Error).message}`);
    }
  }
  await rm(path, { force: true });
}
