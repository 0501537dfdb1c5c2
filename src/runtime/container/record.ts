// The persisted container: one directory per container under <root>/containers, named by its id.
//   config.json                       this record (written atomically)
//   hosts, hostname, resolv.conf      generated at create (hosts and resolv.conf again at start), bound into the container
//   netns                             the network namespace, bound here while the container runs on bridge networks
//   upper/ work/ rootfs/              the overlay: the container's writes, overlayfs' work dir, the mount point
//   spec, monitor.pid, pid, exit,     berth-monitor's state files (native/README.md); the monitor runs with
//   error, container.log, attach.sock this directory as its working directory
//   exec/<exec id>/                   one monitor state directory per exec
// A directory is only ever made or removed under a dot-name and renamed into or out of place, so a crash
// leaves either a whole container or a dot-directory that the next start deletes.
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { HostConfig } from "dockerode";
import { writeFileAtomic } from "../../state/atomic.js";
import type { RunConfig } from "../image/config.js";
import type { ContainerMount } from "../volume/setup.js";

export type ContainerStatus = "created" | "running" | "paused" | "restarting" | "removing" | "exited" | "dead";

/** Docker's container Config after the image's defaults were merged in at create. */
export interface ContainerConfig extends RunConfig {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[];
  Cmd: string[] | null;
  Entrypoint: string[] | null;
  /** The image as the client named it. */
  Image: string;
  WorkingDir: string;
  Labels: Record<string, string>;
  StopTimeout?: number;
}

export interface ContainerState {
  Status: ContainerStatus;
  Pid: number;
  /** The berth-monitor that supervises the running process (0 when none). */
  MonitorPid: number;
  ExitCode: number;
  Error: string;
  OOMKilled: boolean;
  StartedAt: string;
  FinishedAt: string;
  /** Present once a container with a healthcheck has started (health.ts). */
  Health?: HealthState;
}

/** One probe's result, as Docker's HealthcheckResult. */
export interface HealthcheckResult {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

export interface HealthState {
  Status: "starting" | "healthy" | "unhealthy";
  FailingStreak: number;
  /** The last five results, oldest first. */
  Log: HealthcheckResult[];
}

export interface ContainerRecord {
  Id: string;
  /** Without Docker's leading slash. */
  Name: string;
  Created: string;
  /** The image id (sha256:...). */
  Image: string;
  Config: ContainerConfig;
  HostConfig: HostConfig;
  State: ContainerState;
  RestartCount: number;
  /** Set by a stop or kill through the API, cleared by a start through it: restart policies read it (restart.ts). */
  HasBeenManuallyStopped?: boolean;
  /** Binds, volumes (every one named, anonymous ones too) and tmpfs, in mount order: fixed at create. */
  Mounts: ContainerMount[];
  /**
   * The networks the container joins at start, in order (the first routes its default traffic), as create and
   * connect/disconnect set them; undefined in the modes without own endpoints (host, none, container:<id>).
   */
  Networks?: NetworkAttachment[];
}

/** One network a container joins, with what EndpointsConfig asked for there. */
export interface NetworkAttachment {
  NetworkID: string;
  Aliases: string[];
  /** A static address (IPAMConfig.IPv4Address). */
  IPv4Address?: string;
  /** A static MAC address (EndpointSettings.MacAddress). */
  MacAddress?: string;
}

export const ZERO_TIME = "0001-01-01T00:00:00Z";

export const containersDir = (root: string) => join(root, "containers");

export type ContainerPaths = ReturnType<typeof containerPaths>;

/** Where a container's files live (see the header). */
/** The record's file in a container's directory. */
const RECORD_FILE = "config.json";

export function containerPaths(dir: string) {
  return {
    dir,
    hosts: join(dir, "hosts"),
    hostname: join(dir, "hostname"),
    resolvConf: join(dir, "resolv.conf"),
    upper: join(dir, "upper"),
    work: join(dir, "work"),
    rootfs: join(dir, "rootfs"),
    log: join(dir, "container.log"),
    execs: join(dir, "exec"),
  };
}

export async function writeRecord(dir: string, record: ContainerRecord): Promise<void> {
  await writeFileAtomic(join(dir, RECORD_FILE), JSON.stringify(record) + "\n", 0o600);
}

export async function readRecord(dir: string): Promise<ContainerRecord> {
  return JSON.parse(await readFile(join(dir, RECORD_FILE), "utf8")) as ContainerRecord;
}

/** Container directories (by id) and leftovers of interrupted creates and removes (dot-names). */
export async function scanContainersDir(root: string): Promise<{ ids: string[]; leftovers: string[] }> {
  const names = await readdir(containersDir(root)).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return [];
    throw err;
  });
  return { ids: names.filter((n) => !n.startsWith(".")), leftovers: names.filter((n) => n.startsWith(".")) };
}
