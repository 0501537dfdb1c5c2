// cgroups for containers: one interface over cgroup v1 and v2, the version chosen per controller.
// Each daemon keeps its containers in a group directory under its own cgroup in every hierarchy (on
// cgroup2, its nearest ancestor without processes), never higher up, so that containers stay inside the
// accounting the host set up for berthd.
import { mkdirSync } from "node:fs";
import { mkdir, readdir, rmdir, stat } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { UserError } from "../../compose/errors.js";
import { DirectoryCgroup, driverFor } from "./container.js";
import { detectLayout, hierarchiesOf, startMigrationLockWait, V2_NAME, type CgroupLayout, type Controller, type Hierarchy } from "./detect.js";
import type { CpuThrottling, CpuUsage, MemoryStats, PidsStats } from "./driver.js";
import { isErrno, readControl, readOptional, readPids } from "./files.js";
import { resolveLimits, type HostCpus, type Limits } from "./limits.js";
import { enableControllers } from "./v2.js";

export type { CgroupLayout, Controller, Hierarchy } from "./detect.js";
export type { CpuThrottling, CpuUsage, MemoryStats, PidsStats } from "./driver.js";
export type { HostCpus, Limits, ThrottleDevice } from "./limits.js";

export interface CgroupStats {
  /** each is absent when no hierarchy here offers its controller */
  memory?: MemoryStats;
  cpu?: CpuUsage;
  throttling?: CpuThrottling;
  pids?: PidsStats;
}

export interface ContainerCgroup {
  readonly name: string;
  /** The cgroup.procs files the monitor writes "0" into before exec, one per hierarchy. */
  procsFiles(): string[];
  /** Called when a process (an exec) is about to join: see startMigrationLockWait in detect.ts. */
  prepareJoin(): void;
  /** Changes the limits given (absent fields stay); returns a warning per limit this kernel does not offer. */
  update(limits: Limits): Promise<string[]>;
  stats(): Promise<CgroupStats>;
  oomKilled(): Promise<boolean>;
  /** Returns once every process is frozen (or thawed). */
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  isFrozen(): Promise<boolean>;
  pids(): Promise<number[]>;
  killAll(signal?: NodeJS.Signals): Promise<void>;
  /** rmdir of every directory, waiting up to `timeoutMs` (default 5 s) for killed processes to leave. */
  remove(timeoutMs?: number): Promise<void>;
}

export interface Cgroups {
  /** What limits are validated against. */
  readonly host: HostCpus;
  /** Throws the UserError createCgroup would, without creating anything: for `POST /containers/create`. */
  validate(limits: Limits): void;
  /**
   * Makes the container's directories with `limits` set and, on cgroup v1, Docker's default device allow-list.
   * Invalid limits throw a UserError before anything is created; a failure later removes what was made.
   */
  createCgroup(name: string, limits: Limits): Promise<{ cgroup: ContainerCgroup; warnings: string[] }>;
  /** A container cgroup made before (say, by a berthd that has since restarted); undefined when none is left. */
  open(name: string): Promise<ContainerCgroup | undefined>;
  /** Names of all container cgroups of this group, for finding orphans at startup. */
  list(): Promise<string[]>;
  /** Removes the group's directories where no container cgroup is left in them (at daemon shutdown). */
  removeGroup(): Promise<void>;
}

export interface CgroupsOptions {
  /** Directory name that holds this daemon's container cgroups; daemons with different state roots use different groups. */
  group: string;
  /** Detected from /proc/self when absent. */
  layout?: CgroupLayout;
  /** Read from the host when absent. */
  host?: HostCpus;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Names become directory names: one plain path component, so nothing is made outside the group. */
function checkName(what: string, name: string): void {
  if (!NAME.test(name)) {
    throw new UserError(
      `invalid cgroup ${what} "${name}": use up to 128 letters, digits, "_", "." and "-", starting with a letter or digit`,
    );
  }
}

function controllersOn(layout: CgroupLayout, hierarchy: Hierarchy): Controller[] {
  return [...layout.home].filter(([, home]) => home === hierarchy).map(([controller]) => controller);
}

/**
 * cgroup2 forbids a cgroup that holds processes from giving controllers to its children, and berthd's own
 * cgroup holds berthd: its containers go under the nearest ancestor that holds none (the root is exempt).
 */
async function v2Parent(hierarchy: Hierarchy): Promise<string> {
  let dir = hierarchy.ownDir;
  while (dir !== hierarchy.mount && readPids(join(dir, "cgroup.procs")).length > 0) dir = dirname(dir);
  return dir;
}

async function makeGroupDir(layout: CgroupLayout, hierarchy: Hierarchy, group: string): Promise<string> {
  const parent = hierarchy.version === 2 ? await v2Parent(hierarchy) : hierarchy.ownDir;
  const dir = join(parent, group);
  try {
    await mkdir(dir);
  } catch (err) {
    if (!isErrno(err, "EEXIST")) throw err;
  }
  const controllers = controllersOn(layout, hierarchy);
  for (const controller of controllers) driverFor(hierarchy).prepareGroup(controller, dir);
  if (hierarchy.version === 2) {
    const names = controllers.flatMap((c) => V2_NAME[c] ?? []);
    await enableControllers(parent, names);
    await enableControllers(dir, names);
  }
  return dir;
}

async function readHost(layout: CgroupLayout): Promise<HostCpus> {
  const cpuset = layout.home.get("cpuset");
  const [cpusFile, memsFile] = !cpuset
    ? ["/sys/devices/system/cpu/online", "/sys/devices/system/node/online"]
    : cpuset.version === 1
      ? [join(cpuset.ownDir, "cpuset.effective_cpus"), join(cpuset.ownDir, "cpuset.effective_mems")]
      : [join(cpuset.ownDir, "cpuset.cpus.effective"), join(cpuset.ownDir, "cpuset.mems.effective")];
  return {
    count: availableParallelism(),
    cpus: readControl(cpusFile),
    // kernels without NUMA have no node directory: node 0 is all there is
    mems: readOptional(memsFile) ?? "0",
  };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (err) {
    if (isErrno(err, "ENOENT")) return false;
    throw err;
  }
}

export async function openCgroups(options: CgroupsOptions): Promise<Cgroups> {
  checkName("group", options.group);
  const layout = options.layout ?? (await detectLayout());
  const host = options.host ?? (await readHost(layout));
  const groupDirs = new Map<Hierarchy, string>();
  for (const hierarchy of hierarchiesOf(layout)) groupDirs.set(hierarchy, await makeGroupDir(layout, hierarchy, options.group));

  return {
    host,

    validate(limits) {
      resolveLimits(limits, host);
    },

    async createCgroup(name, limits) {
      checkName("name", name);
      const resources = resolveLimits(limits, host);
      startMigrationLockWait();
      const dirs = new Map([...groupDirs].map(([hierarchy, groupDir]) => [hierarchy, join(groupDir, name)]));
      const made = new Map<Hierarchy, string>();
      try {
        for (const [hierarchy, dir] of dirs) {
          try {
            mkdirSync(dir);
          } catch (err) {
            if (isErrno(err, "EEXIST")) throw new UserError(`a cgroup named "${name}" already exists: ${dir}`);
            throw err;
          }
          made.set(hierarchy, dir);
          for (const controller of controllersOn(layout, hierarchy)) driverFor(hierarchy).prepare(controller, dir);
        }
        const cgroup = new DirectoryCgroup(name, layout, host, dirs);
        return { cgroup, warnings: await cgroup.apply(resources, { devices: true }) };
      } catch (err) {
        // only what this call made (never a same-named cgroup that was there before), still empty: nothing has joined
        await new DirectoryCgroup(name, layout, host, made).remove();
        throw err;
      }
    },

    async open(name) {
      checkName("name", name);
      const found = new Map<Hierarchy, string>();
      for (const [hierarchy, groupDir] of groupDirs) {
        const dir = join(groupDir, name);
        if (await isDirectory(dir)) found.set(hierarchy, dir);
      }
      return found.size === 0 ? undefined : new DirectoryCgroup(name, layout, host, found);
    },

    async list() {
      const names = new Set<string>();
      for (const groupDir of groupDirs.values()) {
        for (const entry of await readdir(groupDir, { withFileTypes: true })) if (entry.isDirectory()) names.add(entry.name);
      }
      return [...names].sort();
    },

    async removeGroup() {
      for (const groupDir of groupDirs.values()) {
        try {
          await rmdir(groupDir);
        } catch (err) {
          // a running container's cgroup keeps its group: it is found again at the next start
          if (!isErrno(err, "ENOTEMPTY") && !isErrno(err, "EBUSY") && !isErrno(err, "ENOENT")) throw err;
        }
      }
    },
  };
}
