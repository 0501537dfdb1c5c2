// What berthd finds on disk when it starts: every container, and whether its monitor still runs. Containers
// outlive berthd (their monitors own them), so a restarted berthd picks them up where they are.
import { readFile, readlink, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Cgroups } from "../cgroups/index.js";
import { sendSignal, waitPid } from "../native.js";
import { containersDir, readRecord, scanContainersDir, type ContainerRecord } from "./record.js";

export interface Found {
  dir: string;
  record: ContainerRecord;
  /** The pid of the container's monitor when it still runs. */
  monitorPid?: number;
  /** Host pid of the container's process, while the monitor runs. */
  pid?: number;
}

async function readPidFile(path: string): Promise<number | undefined> {
  const text = await readFile(path, "utf8").catch(() => "");
  return /^\d+\s*$/.test(text) ? Number(text) : undefined;
}

/**
 * The monitor of `dir` if it still runs. A pid alone may have been reused since; the monitor works in its
 * state directory, so a process whose working directory is `dir` is that monitor.
 */
async function liveMonitor(dir: string): Promise<number | undefined> {
  const pid = await readPidFile(join(dir, "monitor.pid"));
  if (pid === undefined) return undefined;
  const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => undefined);
  return cwd === dir ? pid : undefined;
}

/**
 * Reads every container. Dot-directories are creates or removes a crash interrupted: a create that never
 * got renamed into place is rolled back, a remove that got renamed out of place is finished.
 */
export async function findContainers(root: string): Promise<Found[]> {
  const { ids, leftovers } = await scanContainersDir(root);
  for (const name of leftovers) await rm(join(containersDir(root), name), { recursive: true, force: true });
  const found: Found[] = [];
  for (const id of ids) {
    const dir = join(containersDir(root), id);
    const record = await readRecord(dir);
    const monitorPid = await liveMonitor(dir);
    const pid = monitorPid === undefined ? undefined : await readPidFile(join(dir, "pid"));
    if (monitorPid !== undefined && pid === undefined) {
      // A process set up and held at its gate (it has no pid file until it execs) by a start that berthd's end cut
      // short: it never ran, and goes (without its monitor, it ends at the gate).
      await endMonitor(monitorPid);
      found.push({ dir, record });
      continue;
    }
    found.push({ dir, record, ...(monitorPid !== undefined && { monitorPid, pid }) });
  }
  return found;
}

async function endMonitor(monitorPid: number): Promise<void> {
  sendSignal(monitorPid, 9);
  await waitPid(monitorPid).catch(() => undefined); // ESRCH: it ended already
}

/** Kills and removes every cgroup of this daemon whose container is not running (left by a crash). */
export async function removeOrphanCgroups(cgroups: Cgroups, running: ReadonlySet<string>): Promise<void> {
  for (const name of await cgroups.list()) {
    if (running.has(name)) continue;
    const cgroup = await cgroups.open(name);
    await cgroup?.killAll();
    await cgroup?.remove();
  }
}
