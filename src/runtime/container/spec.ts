// A container record turned into berth-monitor's spec: the command, environment, identity, security and
// mounts of one run. Pure: everything it needs from the kernel or the disk comes in as arguments.
import { constants } from "node:os";
import type { HostConfig } from "dockerode";
import {
  DOCKER_DEFAULT_CAPS, DOCKER_MASKED_PATHS, DOCKER_READONLY_PATHS, type ContainerSpec, type Rlimit, type SpecMount,
} from "../native.js";
import { mountOrder } from "../volume/mounts.js";
import type { RootfsPlan } from "../image/store.js";
import { ALL_CAPS, commandOf, mergeEnv } from "./config.js";
import { invalid } from "./errors.js";
import type { ContainerPaths, ContainerRecord } from "./record.js";
import type { Identity } from "./user.js";

const DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface RunInputs {
  record: ContainerRecord;
  paths: ContainerPaths;
  rootfs: RootfsPlan;
  identity: Identity;
  /** cgroup.procs files of the container's cgroup. */
  cgroups: string[];
  /** "new", "host", or the netns path of the container whose network this one shares. */
  net: string;
  /** Wait for a start frame: someone attaches first. */
  hold: boolean;
  /** The container's own mounts (Binds, Mounts, Tmpfs, volumes) as the volume runtime's startMounts gives them. */
  mounts: SpecMount[];
}

const capName = (cap: string) => (cap.toUpperCase().startsWith("CAP_") ? cap.toUpperCase() : `CAP_${cap.toUpperCase()}`);

/** Docker's rule: the default set (or none after CapDrop ALL) plus CapAdd minus CapDrop; Privileged gets all. */
export function capabilities(host: HostConfig): string[] {
  if (host.Privileged) return ALL_CAPS;
  const add = ((host.CapAdd as string[] | null) ?? []).map(capName);
  const drop = ((host.CapDrop as string[] | null) ?? []).map(capName);
  if (add.includes("CAP_ALL")) return ALL_CAPS.filter((c) => !drop.includes(c));
  const base = drop.includes("CAP_ALL") ? [] : DOCKER_DEFAULT_CAPS.filter((c) => !drop.includes(c));
  return [...new Set([...base, ...add])];
}

export function noNewPrivileges(host: HostConfig): boolean {
  return ((host.SecurityOpt as string[] | null) ?? []).some((opt) => /^no-new-privileges(?:[:=]true)?$/.test(opt));
}

/** Environment at exec: the record's, plus what dockerd adds at start (PATH, HOSTNAME, HOME, TERM). */
export function processEnv(record: ContainerRecord, identity: Identity): string[] {
  const defaults = [DEFAULT_PATH, `HOSTNAME=${record.Config.Hostname}`, `HOME=${identity.home}`, ...(record.Config.Tty ? ["TERM=xterm"] : [])];
  return mergeEnv(defaults, record.Config.Env);
}

function rlimits(host: HostConfig): Rlimit[] {
  return (host.Ulimits ?? []).map((u) => ({ name: u.Name!, soft: u.Soft ?? 0, hard: u.Hard ?? 0 }));
}

/** The signal number for a name (`SIGTERM`, `TERM`) or number (`15`), as StopSignal and kill take it. */
export function signalNumber(signal: string): number {
  if (/^\d+$/.test(signal)) {
    const n = Number(signal);
    if (n >= 1 && n <= 64) return n;
  } else {
    const name = (signal.toUpperCase().startsWith("SIG") ? signal.toUpperCase() : `SIG${signal.toUpperCase()}`) as keyof typeof constants.signals;
    const n = constants.signals[name];
    if (n !== undefined) return n;
  }
  throw invalid(`invalid signal: ${signal}: use a name such as SIGTERM or TERM, or a number from 1 to 64`);
}

export function containerSpec({ record, paths, rootfs, identity, cgroups, net, hold, mounts }: RunInputs): ContainerSpec {
  const host = record.HostConfig;
  const { Config: config } = record;
  return {
    argv: commandOf(config),
    env: processEnv(record, identity),
    ...(config.WorkingDir && { cwd: config.WorkingDir }),
    uid: identity.uid,
    gid: identity.gid,
    groups: identity.groups,
    caps: capabilities(host),
    noNewPrivs: noNewPrivileges(host),
    rlimits: rlimits(host),
    tty: config.Tty,
    openStdin: config.OpenStdin,
    hold,
    cgroups,
    lower: rootfs.lowerDirs,
    upper: paths.upper,
    work: paths.work,
    rootfs: paths.rootfs,
    readonlyRootfs: host.ReadonlyRootfs ?? false,
    hostname: config.Hostname,
    ...(config.Domainname && { domainname: config.Domainname }),
    net,
    // One list in mount order, as dockerd sorts a container's mounts: a volume on /etc comes before /etc/hosts,
    // a tmpfs on /run before a bind on /run/sub.
    mounts: mountOrder<SpecMount>([
      ...rootfs.binds.map((b) => ({ kind: "bind" as const, source: b.source, target: b.target, options: ["ro"] })),
      { kind: "bind", source: paths.hosts, target: "/etc/hosts" },
      { kind: "bind", source: paths.hostname, target: "/etc/hostname" },
      { kind: "bind", source: paths.resolvConf, target: "/etc/resolv.conf" },
      ...mounts,
    ]),
    masked: host.Privileged ? [] : (host.MaskedPaths ?? DOCKER_MASKED_PATHS),
    readonlyPaths: host.Privileged ? [] : (host.ReadonlyPaths ?? DOCKER_READONLY_PATHS),
    sysctls: host.Sysctls ?? {},
    ...(host.ShmSize && { shmSize: host.ShmSize }),
    init: host.Init ?? false,
  };
}
