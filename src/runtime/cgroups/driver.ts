// What each cgroup version implements, per controller, on one container directory.
import type { Controller } from "./detect.js";
import type { Resources } from "./limits.js";

/** One control-file write. The first choice whose file this kernel offers gets its value. */
export interface FileWrite {
  /** the HostConfig field it enforces, named in the warning when no choice is offered */
  field: string;
  choices: { file: string; value: string }[];
}

export function fileWrite(field: string, file: string, value: string | number): FileWrite {
  return { field, choices: [{ file, value: String(value) }] };
}

/** pids and cpuset keep the same file names in v1 and v2. */
export function pidsWrites(r: Resources): FileWrite[] {
  return r.pidsLimit === undefined ? [] : [fileWrite("PidsLimit", "pids.max", r.pidsLimit === -1 ? "max" : r.pidsLimit)];
}

export function cpusetWrites(r: Resources): FileWrite[] {
  return [
    ...(r.cpusetCpus === undefined ? [] : [fileWrite("CpusetCpus", "cpuset.cpus", r.cpusetCpus)]),
    ...(r.cpusetMems === undefined ? [] : [fileWrite("CpusetMems", "cpuset.mems", r.cpusetMems)]),
  ];
}

export interface MemoryStats {
  usage: number;
  /** v1 only: the high-water mark */
  maxUsage?: number;
  /** absent when unlimited */
  limit?: number;
  /** memory.stat as the kernel names its keys (Docker's `memory_stats.stats`) */
  stats: Record<string, number>;
}

export interface CpuUsage {
  totalNs: number;
  userNs: number;
  systemNs: number;
}

export interface CpuThrottling {
  periods: number;
  throttledPeriods: number;
  throttledTimeNs: number;
}

export interface PidsStats {
  current: number;
  /** absent when unlimited */
  limit?: number;
}

export interface VersionDriver {
  limitWrites(controller: Controller, resources: Resources): FileWrite[];
  /** Makes a new, empty directory able to take tasks (v1 cpuset starts with no CPUs and no memory nodes). */
  prepare(controller: Controller, dir: string): void;
  /** {@link prepare} for a daemon's group directory, which also readies it to prepare the directories made in it. */
  prepareGroup(controller: Controller, dir: string): void;
  memoryStats(dir: string): Promise<MemoryStats>;
  cpuUsage(dir: string): Promise<CpuUsage>;
  cpuThrottling(dir: string): Promise<CpuThrottling>;
  pidsStats(dir: string): Promise<PidsStats>;
  oomKilled(dir: string): Promise<boolean>;
  /** Freezes or thaws, and returns once every task has settled into that state. */
  setFrozen(dir: string, frozen: boolean): Promise<void>;
  isFrozen(dir: string): Promise<boolean>;
}

/** A limit file's value: cgroup files say "max" (v2) or a huge number (v1) for unlimited. */
export function parseLimit(text: string): number | undefined {
  if (text === "max") return undefined;
  const value = Number(text);
  // v1 reports unlimited as PAGE_COUNTER_MAX pages in bytes (~2^63), beyond any real limit
  return value >= 2 ** 62 ? undefined : value;
}
