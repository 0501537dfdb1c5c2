// One container's cgroup: a directory in each hierarchy, each controller handled by the driver of the
// version that serves it.
import { rmdirSync } from "node:fs";
import { join } from "node:path";
import { startMigrationLockWait, type CgroupLayout, type Controller, type Hierarchy } from "./detect.js";
import type { FileWrite, VersionDriver } from "./driver.js";
import { settleAll } from "../settle.js";
import { isErrno, readPids, waitUntil, writeControl, writeControlSync } from "./files.js";
import type { CgroupStats, ContainerCgroup } from "./index.js";
import { resolveLimits, type HostCpus, type Limits, type Resources } from "./limits.js";
import { v1 } from "./v1.js";
import { v2 } from "./v2.js";

export function driverFor(hierarchy: Hierarchy): VersionDriver {
  return hierarchy.version === 1 ? v1 : v2;
}

/** Writes the first choice this directory offers; false when it offers none. `empty`: no process has joined it. */
async function writeFirstOffered(dir: string, write: FileWrite, empty: boolean): Promise<boolean> {
  for (const { file, value } of write.choices) {
    try {
      if (empty) writeControlSync(join(dir, file), value);
      else await writeControl(join(dir, file), value);
      return true;
    } catch (err) {
      if (isErrno(err, "ENOENT")) continue;
      throw new Error(`cannot set ${write.field}: writing "${value}" to ${join(dir, file)} failed: ${(err as Error).message}`);
    }
  }
  return false;
}

export class DirectoryCgroup implements ContainerCgroup {
  constructor(
    readonly name: string,
    private readonly layout: CgroupLayout,
    private readonly host: HostCpus,
    /** this container's directory in each hierarchy it is in */
    private readonly dirs: ReadonlyMap<Hierarchy, string>,
  ) {}

  /** The cgroup.procs files the monitor writes "0" into, so that the container's first process joins before exec. */
  procsFiles(): string[] {
    return [...this.dirs.values()].map((dir) => join(dir, "cgroup.procs"));
  }

  prepareJoin(): void {
    startMigrationLockWait();
  }

  async update(limits: Limits): Promise<string[]> {
    // the device allow-list is set once, at creation: rewriting it would deny devices to running processes for a moment
    return this.apply(resolveLimits(limits, this.host), { devices: false });
  }

  /**
   * Sets the limits `resources` holds; returns one warning per limit this kernel does not offer. `devices` is
   * for a cgroup just created, which no process has joined yet: it gets the device allow-list too.
   */
  async apply(resources: Resources, options: { devices: boolean }): Promise<string[]> {
    // hierarchies are independent, so their writes run concurrently; within one, in order
    const perDir = [...this.dirs].map(async ([hierarchy, dir]) => {
      const missing: string[] = [];
      for (const [controller, home] of this.layout.home) {
        if (home !== hierarchy || (controller === "devices" && !options.devices)) continue;
        for (const write of driverFor(hierarchy).limitWrites(controller, resources)) {
          if (await writeFirstOffered(dir, write, options.devices)) continue;
          missing.push(`${write.field}: not applied, this kernel offers no ${write.choices.map((c) => c.file).join(" or ")} in ${dir}`);
        }
      }
      return missing;
    });
    const warnings = new Set((await settleAll(perDir)).flat());
    for (const controller of ["memory", "pids", "cpu", "cpuset", "blkio", "devices"] as const) {
      if (this.layout.home.has(controller) || (controller === "devices" && !options.devices)) continue;
      // v1's mapping names every field a controller would enforce
      for (const write of v1.limitWrites(controller, resources)) {
        warnings.add(`${write.field}: not applied, no cgroup hierarchy here offers the ${controller} controller`);
      }
    }
    return [...warnings];
  }

  private served(controller: Controller): { driver: VersionDriver; dir: string } | undefined {
    const hierarchy = this.layout.home.get(controller);
    const dir = hierarchy && this.dirs.get(hierarchy);
    return hierarchy && dir ? { driver: driverFor(hierarchy), dir } : undefined;
  }

  /** What `docker stats` and `docker top` need. */
  async stats(): Promise<CgroupStats> {
    const memory = this.served("memory");
    const cpu = this.served("cpu");
    const cpuacct = this.served("cpuacct");
    const pids = this.served("pids");
    const [memoryStats, cpuUsage, throttling, pidsStats] = await Promise.all([
      memory?.driver.memoryStats(memory.dir),
      cpuacct?.driver.cpuUsage(cpuacct.dir),
      cpu?.driver.cpuThrottling(cpu.dir),
      pids?.driver.pidsStats(pids.dir),
    ]);
    return {
      ...(memoryStats && { memory: memoryStats }),
      ...(cpuUsage && { cpu: cpuUsage }),
      ...(throttling && { throttling }),
      ...(pidsStats && { pids: pidsStats }),
    };
  }

  /** Whether the kernel's OOM killer killed a process of this container. */
  async oomKilled(): Promise<boolean> {
    const memory = this.served("memory");
    return memory ? memory.driver.oomKilled(memory.dir) : false;
  }

  private freezer(): { driver: VersionDriver; dir: string } {
    const freezer = this.served("freezer");
    if (!freezer) throw new Error("cannot pause: no cgroup hierarchy here offers the freezer");
    return freezer;
  }

  async freeze(): Promise<void> {
    const { driver, dir } = this.freezer();
    await driver.setFrozen(dir, true);
  }

  async thaw(): Promise<void> {
    const { driver, dir } = this.freezer();
    await driver.setFrozen(dir, false);
  }

  async isFrozen(): Promise<boolean> {
    const freezer = this.served("freezer");
    return freezer ? freezer.driver.isFrozen(freezer.dir) : false;
  }

  /** Every process in the container, from all hierarchies (a process that joined only some still counts). */
  async pids(): Promise<number[]> {
    const all = new Set<number>();
    for (const file of this.procsFiles()) for (const pid of readPids(file)) all.add(pid);
    return [...all].sort((a, b) => a - b);
  }

  /**
   * Signals every process. SIGKILL goes through cgroup.kill where cgroup2 offers it; otherwise the
   * processes are signalled while frozen, so that none can fork a child that escapes the signal.
   */
  async killAll(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const unifiedDir = this.layout.unified && this.dirs.get(this.layout.unified);
    if (signal === "SIGKILL" && unifiedDir) {
      try {
        writeControlSync(join(unifiedDir, "cgroup.kill"), "1");
        return;
      } catch (err) {
        if (!isErrno(err, "ENOENT")) throw err; // kernels before 5.14
      }
    }
    // nothing inside can fork, and a removed cgroup has nothing to freeze
    if ((await this.pids()).length === 0) return;
    const freezer = this.served("freezer");
    const thawAfter = freezer !== undefined && !(await this.isFrozen());
    if (thawAfter) await freezer.driver.setFrozen(freezer.dir, true);
    try {
      for (const pid of await this.pids()) {
        try {
          process.kill(pid, signal);
        } catch (err) {
          if (!isErrno(err, "ESRCH")) throw err;
        }
      }
    } finally {
      if (thawAfter) await freezer.driver.setFrozen(freezer.dir, false);
    }
  }

  /**
   * Removes the directories with rmdir, never recursively: a directory that still holds processes stays.
   * Killed processes take a moment to leave, so a busy directory is retried until the timeout.
   */
  async remove(timeoutMs = 5_000): Promise<void> {
    await settleAll(
      [...this.dirs.values()].map((dir) =>
        waitUntil(`${dir} holds no process and is removed`, async () => {
          try {
            rmdirSync(dir);
            return true;
          } catch (err) {
            if (isErrno(err, "ENOENT")) return true;
            if (isErrno(err, "EBUSY")) return false;
            throw err;
          }
        }, timeoutMs),
      ),
    );
  }
}
