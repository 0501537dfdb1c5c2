// Docker HostConfig resource fields: validation with dockerd's wording, and dockerd's defaults applied,
// giving the values the cgroup files of either version are written from.
import { statSync } from "node:fs";
import { UserError } from "../../compose/errors.js";

/** A HostConfig throttle entry: a block device path and a rate (bytes or operations per second; 0 lifts the limit). */
export interface ThrottleDevice {
  Path: string;
  Rate: number;
}

/** The resource fields of Docker's HostConfig that cgroups enforce; 0 or absent leaves a field unset. */
export interface Limits {
  Memory?: number;
  /** memory plus swap; -1 for unlimited swap; 0 means twice Memory */
  MemorySwap?: number;
  MemoryReservation?: number;
  NanoCpus?: number;
  CpuQuota?: number;
  CpuPeriod?: number;
  CpuShares?: number;
  CpusetCpus?: string;
  CpusetMems?: string;
  /** 0 or -1 for unlimited, null or absent to leave unchanged */
  PidsLimit?: number | null;
  BlkioWeight?: number;
  BlkioDeviceReadBps?: ThrottleDevice[];
  BlkioDeviceWriteBps?: ThrottleDevice[];
  BlkioDeviceReadIOps?: ThrottleDevice[];
  BlkioDeviceWriteIOps?: ThrottleDevice[];
  /** lifts the device allow-list */
  Privileged?: boolean;
}

/** What the host offers, for validation. */
export interface HostCpus {
  /** CPUs this process may run on */
  count: number;
  /** cpuset lists ("0-3,6") of the CPUs and memory nodes berthd's cgroup may use */
  cpus: string;
  mems: string;
}

export interface DeviceRate {
  major: number;
  minor: number;
  rate: number;
}

/** Limits as the cgroup files take them; absent means "leave as it is". */
export interface Resources {
  memory?: number;
  /** memory plus swap, bytes; -1 unlimited */
  memorySwap?: number;
  memoryReservation?: number;
  /** microseconds per period; -1 unlimited */
  cpuQuota?: number;
  cpuPeriod?: number;
  cpuShares?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  /** -1 unlimited */
  pidsLimit?: number;
  blkioWeight?: number;
  readBps: DeviceRate[];
  writeBps: DeviceRate[];
  readIOps: DeviceRate[];
  writeIOps: DeviceRate[];
  /** Docker's default device allow-list, or every device for privileged containers */
  devices: "default" | "all";
}

const MIN_MEMORY = 6 * 1024 * 1024;
const CFS_PERIOD = 100_000;
const MIN_SHARES = 2;
const MAX_SHARES = 262_144;

/** "0-3,6" as a set; undefined when the text is not a cpuset list. */
export function parseCpuList(list: string): Set<number> | undefined {
  const members = new Set<number>();
  for (const part of list.split(",")) {
    const range = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!range) return undefined;
    const first = Number(range[1]);
    const last = range[2] === undefined ? first : Number(range[2]);
    if (last < first) return undefined;
    for (let n = first; n <= last; n++) members.add(n);
  }
  return members;
}

function checkCpuset(requested: string, available: string, what: "cpus" | "mems"): void {
  const wanted = parseCpuList(requested);
  if (!wanted) throw new UserError(`Invalid value ${requested} for cpuset ${what}`);
  const offered = parseCpuList(available) ?? new Set<number>();
  if ([...wanted].some((n) => !offered.has(n))) {
    const noun = what === "cpus" ? "CPUs" : "memory nodes";
    throw new UserError(`Requested ${noun} are not available - requested ${requested}, available: ${available}`);
  }
}

/** Major and minor number of a block device, as the kernel splits dev_t. */
export function blockDeviceNumber(path: string): { major: number; minor: number } {
  let stats;
  try {
    stats = statSync(path, { bigint: true });
  } catch {
    throw new UserError(`${path} does not exist; a throttled device must be a block device such as /dev/sda`);
  }
  if (!stats.isBlockDevice()) throw new UserError(`${path} is not a block device; a throttled device must be one, such as /dev/sda`);
  const dev = stats.rdev;
  return {
    major: Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn)),
    minor: Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn)),
  };
}

function deviceRates(
  field: string,
  entries: ThrottleDevice[] | undefined,
  deviceNumber: typeof blockDeviceNumber,
): DeviceRate[] {
  return (entries ?? []).map(({ Path, Rate }) => {
    if (!Number.isInteger(Rate) || Rate < 0) {
      throw new UserError(`${field}: rate ${Rate} for ${Path} is invalid; give a whole number ≥ 0 (0 lifts the limit)`);
    }
    try {
      return { ...deviceNumber(Path), rate: Rate };
    } catch (err) {
      if (err instanceof UserError) throw new UserError(`${field}: ${err.detail}`);
      throw err;
    }
  });
}

function resolveMemory(limits: Limits): Pick<Resources, "memory" | "memorySwap" | "memoryReservation"> {
  const memory = limits.Memory ?? 0;
  let swap = limits.MemorySwap ?? 0;
  const reservation = limits.MemoryReservation ?? 0;
  if (memory !== 0 && memory < MIN_MEMORY) throw new UserError("Minimum memory limit allowed is 6MB");
  if (memory === 0 && swap > 0) {
    throw new UserError("You should always set the Memory limit when using Memoryswap limit, see usage");
  }
  if (swap > 0 && swap < memory) throw new UserError("Minimum memoryswap limit should be larger than memory limit, see usage");
  if (swap < -1) throw new UserError(`MemorySwap ${swap} is invalid; give -1 (unlimited swap), 0 (twice Memory) or at least Memory`);
  if (reservation !== 0 && reservation < MIN_MEMORY) throw new UserError("Minimum memory reservation allowed is 6MB");
  if (memory > 0 && reservation > memory) {
    throw new UserError("Minimum memory limit can not be less than memory reservation limit, see usage");
  }
  // dockerd's default: as much swap as memory
  if (memory > 0 && swap === 0) swap = memory * 2;
  return {
    memory: memory || undefined,
    memorySwap: swap || undefined,
    memoryReservation: reservation || undefined,
  };
}

function resolveCpu(limits: Limits, host: HostCpus): Pick<Resources, "cpuQuota" | "cpuPeriod" | "cpuShares"> {
  const nano = limits.NanoCpus ?? 0;
  const quota = limits.CpuQuota ?? 0;
  const period = limits.CpuPeriod ?? 0;
  if (nano !== 0 && period !== 0) throw new UserError("Conflicting options: Nano CPUs and CPU Period cannot both be set");
  if (nano !== 0 && quota !== 0) throw new UserError("Conflicting options: Nano CPUs and CPU Quota cannot both be set");
  if (nano < 0 || (nano > 0 && nano < 1e7) || nano > host.count * 1e9) {
    throw new UserError(
      `Range of CPUs is from 0.01 to ${host.count}.00, as there are only ${host.count} CPUs available`,
    );
  }
  if (period !== 0 && (period < 1000 || period > 1_000_000)) {
    throw new UserError("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
  }
  if (quota < -1 || (quota > 0 && quota < 1000)) throw new UserError("CPU cfs quota can not be less than 1ms (i.e. 1000)");
  const cpuShares = clampShares(limits.CpuShares ?? 0);
  if (nano > 0) return { cpuQuota: Math.round((nano * CFS_PERIOD) / 1e9), cpuPeriod: CFS_PERIOD, cpuShares };
  return { cpuQuota: quota || undefined, cpuPeriod: period || undefined, cpuShares };
}

/** dockerd clamps shares into what the kernel takes instead of refusing. */
function clampShares(shares: number): number | undefined {
  if (shares === 0) return undefined;
  return Math.min(Math.max(shares, MIN_SHARES), MAX_SHARES);
}

/**
 * Validates `limits` against the host and applies dockerd's defaults. Throws a UserError with dockerd's
 * message when a value is out of range; touches nothing.
 */
export function resolveLimits(limits: Limits, host: HostCpus, deviceNumber = blockDeviceNumber): Resources {
  if (limits.CpusetCpus) checkCpuset(limits.CpusetCpus, host.cpus, "cpus");
  if (limits.CpusetMems) checkCpuset(limits.CpusetMems, host.mems, "mems");
  const weight = limits.BlkioWeight ?? 0;
  if (weight !== 0 && (weight < 10 || weight > 1000)) throw new UserError("Range of blkio weight is from 10 to 1000");
  const pids = limits.PidsLimit;
  return {
    ...resolveMemory(limits),
    ...resolveCpu(limits, host),
    cpusetCpus: limits.CpusetCpus || undefined,
    cpusetMems: limits.CpusetMems || undefined,
    pidsLimit: pids === undefined || pids === null ? undefined : pids > 0 ? pids : -1,
    blkioWeight: weight || undefined,
    readBps: deviceRates("BlkioDeviceReadBps", limits.BlkioDeviceReadBps, deviceNumber),
    writeBps: deviceRates("BlkioDeviceWriteBps", limits.BlkioDeviceWriteBps, deviceNumber),
    readIOps: deviceRates("BlkioDeviceReadIOps", limits.BlkioDeviceReadIOps, deviceNumber),
    writeIOps: deviceRates("BlkioDeviceWriteIOps", limits.BlkioDeviceWriteIOps, deviceNumber),
    devices: limits.Privileged ? "all" : "default",
  };
}
