// cgroup v1: one hierarchy per controller (or a few bound together), each with its own files.
import { dirname, join } from "node:path";
import type { Controller } from "./detect.js";
import { cpusetWrites, fileWrite, parseLimit, pidsWrites, type FileWrite, type VersionDriver } from "./driver.js";
import { parseKeyedLines, readControl, waitUntil, writeControl, writeControlSync } from "./files.js";
import type { DeviceRate, Resources } from "./limits.js";

/**
 * Docker's default device rules: deny everything, then runc's built-in allow-list, which dockerd relies on
 * (mknod of any node; use of null, zero, full, random, urandom, tty, console, ptmx, pts and tun).
 */
export const DEFAULT_DEVICE_RULES: readonly string[] = [
  "c *:* m",
  "b *:* m",
  "c 1:3 rwm", // null
  "c 1:5 rwm", // zero
  "c 1:7 rwm", // full
  "c 1:8 rwm", // random
  "c 1:9 rwm", // urandom
  "c 5:0 rwm", // tty
  "c 5:1 rwm", // console
  "c 5:2 rwm", // ptmx
  "c 136:* rwm", // pts
  "c 10:200 rwm", // tun (runc dropped it in 1.2.0 and restored it in 1.2.3)
];

const UNLIMITED = "-1";
const FREEZE_TIMEOUT_MS = 10_000;

/** Throttle files take one "major:minor rate" line per write. */
function throttleWrites(field: string, file: string, rates: DeviceRate[]): FileWrite[] {
  return rates.map(({ major, minor, rate }) => fileWrite(field, file, `${major}:${minor} ${rate}`));
}

function memoryWrites(r: Resources): FileWrite[] {
  const writes: FileWrite[] = [];
  if (r.memory !== undefined) {
    // memsw must never be below the memory limit, whichever way both move: lift it first, set memory, then memsw
    writes.push(fileWrite("MemorySwap", "memory.memsw.limit_in_bytes", UNLIMITED));
    writes.push(fileWrite("Memory", "memory.limit_in_bytes", r.memory));
    writes.push(fileWrite("MemorySwap", "memory.memsw.limit_in_bytes", r.memorySwap ?? UNLIMITED));
  } else if (r.memorySwap !== undefined) {
    writes.push(fileWrite("MemorySwap", "memory.memsw.limit_in_bytes", r.memorySwap));
  }
  if (r.memoryReservation !== undefined) writes.push(fileWrite("MemoryReservation", "memory.soft_limit_in_bytes", r.memoryReservation));
  return writes;
}

function limitWrites(controller: Controller, r: Resources): FileWrite[] {
  switch (controller) {
    case "memory":
      return memoryWrites(r);
    case "pids":
      return pidsWrites(r);
    case "cpu":
      return [
        ...(r.cpuPeriod === undefined ? [] : [fileWrite("CpuPeriod", "cpu.cfs_period_us", r.cpuPeriod)]),
        ...(r.cpuQuota === undefined ? [] : [fileWrite("CpuQuota", "cpu.cfs_quota_us", r.cpuQuota)]),
        ...(r.cpuShares === undefined ? [] : [fileWrite("CpuShares", "cpu.shares", r.cpuShares)]),
      ];
    case "cpuset":
      return cpusetWrites(r);
    case "blkio": {
      const weight: FileWrite[] =
        r.blkioWeight === undefined
          ? []
          : [
              {
                field: "BlkioWeight",
                // CFQ's file on older kernels, BFQ's on blk-mq ones; both take 10..1000
                choices: ["blkio.weight", "blkio.bfq.weight"].map((file) => ({ file, value: String(r.blkioWeight) })),
              },
            ];
      return [
        ...weight,
        ...throttleWrites("BlkioDeviceReadBps", "blkio.throttle.read_bps_device", r.readBps),
        ...throttleWrites("BlkioDeviceWriteBps", "blkio.throttle.write_bps_device", r.writeBps),
        ...throttleWrites("BlkioDeviceReadIOps", "blkio.throttle.read_iops_device", r.readIOps),
        ...throttleWrites("BlkioDeviceWriteIOps", "blkio.throttle.write_iops_device", r.writeIOps),
      ];
    }
    case "devices":
      if (r.devices === "all") return [fileWrite("Privileged", "devices.allow", "a")];
      return [
        fileWrite("devices", "devices.deny", "a"),
        ...DEFAULT_DEVICE_RULES.map((rule) => fileWrite("devices", "devices.allow", rule)),
      ];
    case "cpuacct":
    case "freezer":
      return [];
  }
}

/** A new cpuset cgroup has empty cpus and mems and refuses tasks until they are set; take the parent's. */
function prepare(controller: Controller, dir: string): void {
  if (controller !== "cpuset") return;
  for (const file of ["cpuset.cpus", "cpuset.mems"]) {
    if (readControl(join(dir, file)) === "") writeControlSync(join(dir, file), readControl(join(dirname(dir), file)));
  }
}

/** With cgroup.clone_children, the kernel itself gives each new container directory the group's cpus and mems. */
function prepareGroup(controller: Controller, dir: string): void {
  prepare(controller, dir);
  if (controller === "cpuset") writeControlSync(join(dir, "cgroup.clone_children"), "1");
}

async function readNumber(dir: string, file: string): Promise<number> {
  return Number(readControl(join(dir, file)));
}

async function freezerState(dir: string): Promise<string> {
  return readControl(join(dir, "freezer.state"));
}

export const v1: VersionDriver = {
  limitWrites,
  prepare,
  prepareGroup,

  async memoryStats(dir) {
    return {
      usage: await readNumber(dir, "memory.usage_in_bytes"),
      maxUsage: await readNumber(dir, "memory.max_usage_in_bytes"),
      limit: parseLimit(readControl(join(dir, "memory.limit_in_bytes"))),
      stats: Object.fromEntries(parseKeyedLines(readControl(join(dir, "memory.stat")))),
    };
  },

  async cpuUsage(dir) {
    return {
      totalNs: await readNumber(dir, "cpuacct.usage"),
      userNs: await readNumber(dir, "cpuacct.usage_user"),
      systemNs: await readNumber(dir, "cpuacct.usage_sys"),
    };
  },

  async cpuThrottling(dir) {
    const stat = parseKeyedLines(readControl(join(dir, "cpu.stat")));
    return {
      periods: stat.get("nr_periods") ?? 0,
      throttledPeriods: stat.get("nr_throttled") ?? 0,
      throttledTimeNs: stat.get("throttled_time") ?? 0,
    };
  },

  async pidsStats(dir) {
    return {
      current: await readNumber(dir, "pids.current"),
      limit: parseLimit(readControl(join(dir, "pids.max"))),
    };
  },

  async oomKilled(dir) {
    const control = parseKeyedLines(readControl(join(dir, "memory.oom_control")));
    return (control.get("oom_kill") ?? 0) > 0;
  },

  async setFrozen(dir, frozen) {
    const wanted = frozen ? "FROZEN" : "THAWED";
    // A task forking while the group freezes can leave it FREEZING; writing again retries the stragglers.
    await waitUntil(`${dir} is ${wanted}`, async () => {
      await writeControl(join(dir, "freezer.state"), wanted);
      return (await freezerState(dir)) === wanted;
    }, FREEZE_TIMEOUT_MS);
  },

  async isFrozen(dir) {
    return (await freezerState(dir)) === "FROZEN";
  },
};
