// cgroup v2: one hierarchy; a controller's files appear in a directory once its parent enables it in
// cgroup.subtree_control. Freezing and cpu usage are core files, there without any controller.
import { join } from "node:path";
import type { Controller } from "./detect.js";
import { cpusetWrites, fileWrite, parseLimit, pidsWrites, type FileWrite, type VersionDriver } from "./driver.js";
import { parseKeyedLines, readControl, readOptional, waitUntil, writeControl } from "./files.js";
import type { DeviceRate, Resources } from "./limits.js";

const FREEZE_TIMEOUT_MS = 10_000;

/** runc's mapping of v1 shares [2, 262144] onto v2 weight [1, 10000]. */
export function sharesToWeight(shares: number): number {
  return Math.floor(1 + ((shares - 2) * 9999) / 262142);
}

/** runc's mapping of blkio weight [10, 1000] onto io.weight [1, 10000]. */
export function blkioToIoWeight(weight: number): number {
  return Math.floor(1 + ((weight - 10) * 9999) / 990);
}

/** io.max takes "major:minor key=value" per write; a rate of 0 lifts the limit, as on v1. */
function ioMaxWrites(field: string, key: string, rates: DeviceRate[]): FileWrite[] {
  return rates.map(({ major, minor, rate }) => fileWrite(field, "io.max", `${major}:${minor} ${key}=${rate === 0 ? "max" : rate}`));
}

/** cpu.max is "quota period"; quota alone keeps the period, "max" lifts the quota. */
function cpuMax(r: Resources): string | undefined {
  if (r.cpuQuota === undefined && r.cpuPeriod === undefined) return undefined;
  const quota = r.cpuQuota === undefined || r.cpuQuota === -1 ? "max" : String(r.cpuQuota);
  return r.cpuPeriod === undefined ? quota : `${quota} ${r.cpuPeriod}`;
}

function memoryWrites(r: Resources): FileWrite[] {
  const writes: FileWrite[] = [];
  if (r.memory !== undefined) writes.push(fileWrite("Memory", "memory.max", r.memory));
  if (r.memorySwap !== undefined) {
    // v2 limits swap alone, Docker's MemorySwap counts memory plus swap
    const swapOnly = r.memorySwap === -1 || r.memory === undefined ? "max" : r.memorySwap - r.memory;
    writes.push(fileWrite("MemorySwap", "memory.swap.max", swapOnly));
  }
  if (r.memoryReservation !== undefined) writes.push(fileWrite("MemoryReservation", "memory.low", r.memoryReservation));
  return writes;
}

function limitWrites(controller: Controller, r: Resources): FileWrite[] {
  switch (controller) {
    case "memory":
      return memoryWrites(r);
    case "pids":
      return pidsWrites(r);
    case "cpu": {
      const max = cpuMax(r);
      return [
        ...(max === undefined ? [] : [fileWrite(r.cpuQuota === undefined ? "CpuPeriod" : "CpuQuota", "cpu.max", max)]),
        ...(r.cpuShares === undefined ? [] : [fileWrite("CpuShares", "cpu.weight", sharesToWeight(r.cpuShares))]),
      ];
    }
    case "cpuset":
      return cpusetWrites(r);
    case "blkio": {
      const weight: FileWrite[] =
        r.blkioWeight === undefined
          ? []
          : [
              {
                field: "BlkioWeight",
                // BFQ takes the blkio weight as it is; io.weight has a wider range
                choices: [
                  { file: "io.bfq.weight", value: String(r.blkioWeight) },
                  { file: "io.weight", value: String(blkioToIoWeight(r.blkioWeight)) },
                ],
              },
            ];
      return [
        ...weight,
        ...ioMaxWrites("BlkioDeviceReadBps", "rbps", r.readBps),
        ...ioMaxWrites("BlkioDeviceWriteBps", "wbps", r.writeBps),
        ...ioMaxWrites("BlkioDeviceReadIOps", "riops", r.readIOps),
        ...ioMaxWrites("BlkioDeviceWriteIOps", "wiops", r.writeIOps),
      ];
    }
    case "devices":
    case "cpuacct":
    case "freezer":
      return [];
  }
}

/** Lets the children of `dir` use `names`; v2 shows a controller's files only where the parent enabled it. */
export async function enableControllers(dir: string, names: string[]): Promise<void> {
  const file = join(dir, "cgroup.subtree_control");
  const enabled = readControl(file).split(/\s+/);
  const missing = names.filter((name) => !enabled.includes(name));
  if (missing.length > 0) await writeControl(file, missing.map((name) => `+${name}`).join(" "));
}

async function cpuStat(dir: string): Promise<Map<string, number>> {
  return parseKeyedLines(readControl(join(dir, "cpu.stat")));
}

async function frozenNow(dir: string): Promise<boolean> {
  return parseKeyedLines(readControl(join(dir, "cgroup.events"))).get("frozen") === 1;
}

export const v2: VersionDriver = {
  limitWrites,

  // v2 directories inherit cpus and mems; controllers are enabled once, on the parent
  prepare() {},
  prepareGroup() {},

  async memoryStats(dir) {
    const peak = readOptional(join(dir, "memory.peak"));
    return {
      usage: Number(readControl(join(dir, "memory.current"))),
      ...(peak === undefined ? {} : { maxUsage: Number(peak) }),
      limit: parseLimit(readControl(join(dir, "memory.max"))),
      stats: Object.fromEntries(parseKeyedLines(readControl(join(dir, "memory.stat")))),
    };
  },

  async cpuUsage(dir) {
    const stat = await cpuStat(dir);
    return {
      totalNs: (stat.get("usage_usec") ?? 0) * 1000,
      userNs: (stat.get("user_usec") ?? 0) * 1000,
      systemNs: (stat.get("system_usec") ?? 0) * 1000,
    };
  },

  async cpuThrottling(dir) {
    const stat = await cpuStat(dir);
    return {
      periods: stat.get("nr_periods") ?? 0,
      throttledPeriods: stat.get("nr_throttled") ?? 0,
      throttledTimeNs: (stat.get("throttled_usec") ?? 0) * 1000,
    };
  },

  async pidsStats(dir) {
    return {
      current: Number(readControl(join(dir, "pids.current"))),
      limit: parseLimit(readControl(join(dir, "pids.max"))),
    };
  },

  async oomKilled(dir) {
    // memory.events counts the whole subtree, memory.events.local only this directory
    const events = parseKeyedLines(readControl(join(dir, "memory.events")));
    return (events.get("oom_kill") ?? 0) > 0;
  },

  async setFrozen(dir, frozen) {
    await writeControl(join(dir, "cgroup.freeze"), frozen ? "1" : "0");
    await waitUntil(`${dir} is ${frozen ? "frozen" : "thawed"}`, async () => (await frozenNow(dir)) === frozen, FREEZE_TIMEOUT_MS);
  },

  isFrozen: frozenNow,
};
