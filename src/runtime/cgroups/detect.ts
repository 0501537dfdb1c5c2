// Which cgroup hierarchy serves each controller, and where berthd's own cgroup sits in each.
// v1 hierarchies come from mountinfo (fstype "cgroup", controllers in the super options) matched to the
// lines of /proc/self/cgroup; a controller that no v1 hierarchy has bound is served by cgroup2 when the
// v2 cgroup berthd lives in lists it in cgroup.controllers. Hybrid hosts may mix both.
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { readOptional, writeControl } from "./files.js";

/** Controllers berth uses, under their v1 names. */
export type Controller = "memory" | "pids" | "cpu" | "cpuacct" | "cpuset" | "blkio" | "freezer" | "devices";
export const CONTROLLERS: readonly Controller[] = ["memory", "pids", "cpu", "cpuacct", "cpuset", "blkio", "freezer", "devices"];

export interface Hierarchy {
  version: 1 | 2;
  /** e.g. /sys/fs/cgroup/memory, or /sys/fs/cgroup(/unified) for cgroup2 */
  mount: string;
  /** berthd's own cgroup in this hierarchy, as a directory */
  ownDir: string;
}

export interface CgroupLayout {
  /** The hierarchy that serves each controller; a controller no hierarchy offers is absent. */
  home: Map<Controller, Hierarchy>;
  /** cgroup2, joined even without controllers: it groups processes and offers cgroup.kill and cgroup.events. */
  unified?: Hierarchy;
}

interface CgroupMount {
  fstype: string;
  root: string;
  mountPoint: string;
  superOptions: string[];
}

/** mountinfo escapes space, tab, newline and backslash as octal (\040). */
function unescapeMountinfo(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of mountinfo.split("\n")) {
    const fields = line.split(" ");
    const separator = fields.indexOf("-");
    const fstype = fields[separator + 1];
    if (separator < 0 || (fstype !== "cgroup" && fstype !== "cgroup2")) continue;
    mounts.push({
      fstype,
      root: unescapeMountinfo(fields[3]!),
      mountPoint: unescapeMountinfo(fields[4]!),
      superOptions: (fields[separator + 3] ?? "").split(","),
    });
  }
  return mounts;
}

/** The directory of cgroup `path` (as /proc/self/cgroup shows it) under a mount of its hierarchy. */
function dirUnder(mount: CgroupMount, path: string): string | undefined {
  const relative = posix.relative(mount.root, path);
  if (relative.startsWith("..")) return undefined;
  return join(mount.mountPoint, relative);
}

/** The v1 hierarchies with the controllers each carries, and cgroup2, as this process sees them. */
export interface Hierarchies {
  v1: { hierarchy: Hierarchy; controllers: string[] }[];
  v2?: Hierarchy;
}

export function parseHierarchies(mountinfo: string, selfCgroup: string): Hierarchies {
  const mounts = parseCgroupMounts(mountinfo);
  const v1: Hierarchies["v1"] = [];
  let v2: Hierarchy | undefined;
  for (const line of selfCgroup.split("\n")) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, id, controllerList, path] = match as unknown as [string, string, string, string];
    if (id === "0" && controllerList === "") {
      for (const mount of mounts.filter((m) => m.fstype === "cgroup2")) {
        const ownDir = dirUnder(mount, path);
        if (ownDir) {
          v2 = { version: 2, mount: mount.mountPoint, ownDir };
          break;
        }
      }
      continue;
    }
    const controllers = controllerList.split(",");
    for (const mount of mounts.filter((m) => m.fstype === "cgroup")) {
      const ownDir = controllers.every((c) => mount.superOptions.includes(c)) ? dirUnder(mount, path) : undefined;
      if (ownDir) {
        v1.push({ hierarchy: { version: 1, mount: mount.mountPoint, ownDir }, controllers });
        break;
      }
    }
  }
  return { v1, v2 };
}

/** v2 names of the controllers that have one; freezer and cpu usage are core files on v2 (cgroup.freeze, cpu.stat). */
export const V2_NAME: Partial<Record<Controller, string>> = { memory: "memory", pids: "pids", cpu: "cpu", cpuset: "cpuset", blkio: "io" };
const V2_CORE: readonly Controller[] = ["freezer", "cpuacct"];

/**
 * Chooses each controller's home: its v1 hierarchy when one has it bound, else cgroup2 when `v2Controllers`
 * (the content of cgroup.controllers in berthd's own v2 cgroup) lists it. Devices are never served by
 * cgroup2 here: v2 restricts devices with a BPF program, not with files.
 */
export function assignControllers(hierarchies: Hierarchies, v2Controllers: string): CgroupLayout {
  const home = new Map<Controller, Hierarchy>();
  for (const { hierarchy, controllers } of hierarchies.v1) {
    for (const c of CONTROLLERS) if (controllers.includes(c)) home.set(c, hierarchy);
  }
  const { v2 } = hierarchies;
  if (v2) {
    const offered = v2Controllers.split(/\s+/);
    for (const c of CONTROLLERS) {
      if (home.has(c)) continue;
      const v2Name = V2_NAME[c];
      if (V2_CORE.includes(c) || (v2Name && offered.includes(v2Name))) home.set(c, v2);
    }
  }
  return { home, unified: v2 };
}

export async function detectLayout(): Promise<CgroupLayout> {
  const hierarchies = parseHierarchies(
    await readFile("/proc/self/mountinfo", "utf8"),
    await readFile("/proc/self/cgroup", "utf8"),
  );
  const v2Controllers = hierarchies.v2 ? readOptional(join(hierarchies.v2.ownDir, "cgroup.controllers")) : undefined;
  return assignControllers(hierarchies, v2Controllers ?? "");
}

/** Each hierarchy a container joins, once: the homes of all controllers plus cgroup2. */
export function hierarchiesOf(layout: CgroupLayout): Hierarchy[] {
  const all = new Set(layout.home.values());
  if (layout.unified) all.add(layout.unified);
  return [...all];
}

/**
 * Moving a process into a cgroup takes a kernel-wide lock whose first taker after a quiet spell waits for an RCU
 * grace period (milliseconds; unless cgroup2 is mounted with favordynmods). Moving berthd into the cgroup it is
 * in now (read afresh: someone may have moved it since start-up) takes that lock and changes nothing: started
 * while a container's cgroup is made (or an exec is prepared), the wait passes as the monitor is set up instead
 * of delaying the container's (the exec's) first process when it joins. Only an optimization: failures are ignored.
 */
export function startMigrationLockWait(): void {
  try {
    const { v1, v2 } = parseHierarchies(readFileSync("/proc/self/mountinfo", "utf8"), readFileSync("/proc/self/cgroup", "utf8"));
    const own = v2 ?? v1[0]?.hierarchy;
    if (own) writeControl(join(own.ownDir, "cgroup.procs"), String(process.pid)).catch(() => undefined);
  } catch {
    // procfs unreadable: no head start
  }
}
