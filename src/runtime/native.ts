// Typed access to native/: the addon (syscalls node:fs lacks) and the berth-monitor executable.
import { closeSync, existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** node-gyp's output directory; the same relative path from src/runtime and dist/runtime. */
const NATIVE_BUILD_DIR = fileURLToPath(new URL("../../native/build/Release/", import.meta.url));

interface Addon {
  mknod(path: string, mode: number, major: number, minor: number): void;
  lsetxattr(path: string, name: string, value: Buffer): void;
  lgetxattr(path: string, name: string): Buffer;
  pidfdOpen(pid: number): number;
  pidfdSendSignal(pidfd: number, signal: number): void;
  waitPid(pid: number): Promise<void>;
  openInRoot(rootFd: number, path: string, flags: number): number;
  bindMount(source: string, target: string): void;
  detachMount(target: string): void;
  inNetns<T>(path: string | null, fn: () => T): T;
  rtnlSocket(): number;
  rtnlRequest(fd: number, message: Buffer): Promise<void>;
  spawnDetached(file: string, argv: string[]): Promise<{ pid: number; output: string }>;
}

let addon: Addon | undefined;

function nativeArtifact(name: string): string {
  const path = NATIVE_BUILD_DIR + name;
  if (!existsSync(path)) {
    throw new Error(`berth's native code is not built: ${path} is missing; run \`npm run build:native\``);
  }
  return path;
}

// Loaded on first use so that commands which never touch the runtime work without a native build.
function loadAddon(): Addon {
  addon ??= createRequire(import.meta.url)(nativeArtifact("berth_native.node")) as Addon;
  return addon;
}

/** Absolute path of the berth-monitor executable. */
export function monitorPath(): string {
  return nativeArtifact("berth-monitor");
}

/** File type bits for {@link mknod}'s mode (from <sys/stat.h>). */
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;

/**
 * Creates a device node or fifo; `mode` combines a type (S_IFCHR...) with permission bits.
 * An overlayfs whiteout is `mknod(path, S_IFCHR, 0, 0)`. Throws Node-style errors (`.code` EEXIST...).
 */
export function mknod(path: string, mode: number, major = 0, minor = 0): void {
  loadAddon().mknod(path, mode, major, minor);
}

/** Sets an extended attribute without following a final symlink, e.g. `trusted.overlay.opaque` = "y". */
export function lsetxattr(path: string, name: string, value: Buffer | string): void {
  loadAddon().lsetxattr(path, name, typeof value === "string" ? Buffer.from(value) : value);
}

/** Reads an extended attribute without following a final symlink; a missing one throws with code ENODATA. */
export function lgetxattr(path: string, name: string): Buffer {
  return loadAddon().lgetxattr(path, name);
}

/** Opens a pidfd for `pid` (close it with fs.closeSync). Throws ESRCH when there is no such process. */
export function pidfdOpen(pid: number): number {
  return loadAddon().pidfdOpen(pid);
}

/** Signals the process behind a pidfd; unlike process.kill it cannot hit a recycled pid. */
export function pidfdSendSignal(pidfd: number, signal: number): void {
  loadAddon().pidfdSendSignal(pidfd, signal);
}

/** Sends `signal` to `pid` through a pidfd; false when the process has ended. */
export function sendSignal(pid: number, signal: number): boolean {
  let fd: number;
  try {
    fd = pidfdOpen(pid);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw err;
  }
  try {
    pidfdSendSignal(fd, signal);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Resolves when process `pid` exits; it need not be our child. Rejects with code ESRCH when there
 * is no such process, which includes one that exited before the call.
 */
export async function waitPid(pid: number): Promise<void> {
  return loadAddon().waitPid(pid);
}

/** open(2)'s O_PATH (Linux, every architecture but alpha, parisc and sparc), which fs.constants lacks. */
export const O_PATH = 0o10000000;

/**
 * Opens `path` inside the directory `rootFd` with openat2 RESOLVE_IN_ROOT: `..`, absolute paths and symlinks
 * (absolute ones too) resolve as if rootFd were `/`, so the result is never outside it; magic links are
 * refused. `flags` are open(2)'s (fs.constants, plus O_PATH). Close the fd with fs.closeSync.
 */
export function openInRoot(rootFd: number, path: string, flags: number): number {
  return loadAddon().openInRoot(rootFd, path, flags);
}

/** `mount --bind source target`, resolved by the calling thread (so /proc/thread-self names what it sees). */
export function bindMount(source: string, target: string): void {
  loadAddon().bindMount(source, target);
}

/**
 * `umount --lazy target` (MNT_DETACH), never following a final symlink: the mount leaves the tree at once and goes
 * when its last user lets go. Throws EINVAL when nothing is mounted there.
 */
export function detachMount(target: string): void {
  loadAddon().detachMount(target);
}

/**
 * Starts `file` (argv[0] included in `argv`) in its own session, stdin and stderr on /dev/null, without forking
 * this process (clone with CLONE_VFORK), and resolves once the program closes its stdout, with what it wrote there. The
 * program is our child but outlives us; while we run, the addon reaps it when it ends.
 */
export async function spawnDetached(file: string, argv: string[]): Promise<{ pid: number; output: string }> {
  return loadAddon().spawnDetached(file, argv);
}

/**
 * Runs `fn` synchronously with the calling thread in the network namespace bound at `path`, or in a brand-new
 * one when `path` is null, then returns to the original. Sockets opened by `fn` stay in that namespace.
 */
export function inNetns<T>(path: string | null, fn: () => T): T {
  return loadAddon().inNetns(path, fn);
}

/** A NETLINK_ROUTE socket in the calling thread's network namespace, for {@link rtnlRequest}. */
export function rtnlSocket(): number {
  return loadAddon().rtnlSocket();
}

/**
 * Sends one complete rtnetlink message (with NLM_F_ACK) on `fd` from a threadpool thread, and closes `fd`:
 * for requests the kernel answers slowly, such as a link delete (RCU grace periods, ~20 ms), which on the event
 * loop would stall every other request. Rejects with the kernel's errno as `code` (ENODEV, ...).
 */
export function rtnlRequest(fd: number, message: Buffer): Promise<void> {
  return loadAddon().rtnlRequest(fd, message);
}

// ---- berth-monitor: the spec it reads, how it is started, what it leaves behind (native/README.md) ----

/** Docker's default capability set. */
export const DOCKER_DEFAULT_CAPS = [
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
  "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
] as const;

/** Docker's masked paths: files are covered by /dev/null, directories by an empty read-only tmpfs. */
export const DOCKER_MASKED_PATHS = [
  "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
  "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
] as const;

/** Docker's read-only paths. */
export const DOCKER_READONLY_PATHS = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"] as const;

/**
 * One mount of the monitor's ordered list. Bind options: ro, nosuid, nodev, noexec, a propagation, and
 * nofollow (the source path must hold no symlink: a volume's directory a container may have written).
 */
export type SpecMount =
  | { kind: "bind"; source: string; target: string; options?: string[] }
  | { kind: "tmpfs"; target: string; options?: string[] };
export interface Rlimit { name: string; soft: number; hard: number }

interface ProcessSpec {
  argv: string[];
  env?: string[];
  cwd?: string;
  uid?: number;
  gid?: number;
  groups?: number[];
  /** Capability names; Docker's default set when absent. */
  caps?: readonly string[];
  noNewPrivs?: boolean;
  rlimits?: Rlimit[];
  tty?: boolean;
  openStdin?: boolean;
  /** Wait for a start frame on attach.sock before execve (attach first, lose no output). */
  hold?: boolean;
  /** cgroup.procs files to join. */
  cgroups?: string[];
}

export interface ContainerSpec extends ProcessSpec {
  /** Image layers, topmost first. */
  lower: string[];
  upper: string;
  work: string;
  /** Where the overlay is mounted. */
  rootfs: string;
  readonlyRootfs?: boolean;
  hostname?: string;
  domainname?: string;
  /** "new" (default: loopback only), "host", or the path of a network namespace to join. */
  net?: string;
  /** Binds and tmpfs, mounted in this order: parents before what is mounted below them. */
  mounts?: SpecMount[];
  masked?: readonly string[];
  readonlyPaths?: readonly string[];
  sysctls?: Record<string, string>;
  shmSize?: number;
  /** Run a minimal init as pid 1 that reaps zombies and forwards signals (Docker's --init). */
  init?: boolean;
  /** memory.events (v2) or memory.oom_control (v1) of the container's memory cgroup. */
  oomEvents?: string;
}

export interface ExecSpec extends ProcessSpec {
  /** Host pid of the container's pid 1. */
  joinPid: number;
}

function processRecords(spec: ProcessSpec): string[] {
  const records = ["version=1", ...spec.argv.map((a) => `arg=${a}`), ...(spec.env ?? []).map((e) => `env=${e}`)];
  if (spec.cwd !== undefined) records.push(`cwd=${spec.cwd}`);
  records.push(`uid=${spec.uid ?? 0}`, `gid=${spec.gid ?? 0}`, ...(spec.groups ?? []).map((g) => `group=${g}`));
  records.push(...(spec.caps ?? DOCKER_DEFAULT_CAPS).map((c) => `cap=${c}`));
  for (const r of spec.rlimits ?? []) records.push(`rlimit=${r.name}`, String(r.soft), String(r.hard));
  records.push(`no_new_privs=${spec.noNewPrivs ? 1 : 0}`, `tty=${spec.tty ? 1 : 0}`, `stdin=${spec.openStdin ? 1 : 0}`);
  records.push(`hold=${spec.hold ? 1 : 0}`, ...(spec.cgroups ?? []).map((c) => `cgroup=${c}`));
  return records;
}

function encode(records: string[]): Buffer {
  for (const r of records) {
    if (r.includes("\0")) throw new Error(`monitor spec: ${JSON.stringify(r)} contains a NUL byte`);
  }
  return Buffer.from(records.map((r) => `${r}\0`).join(""));
}

/** The bytes of <statedir>/spec for a container. */
export function encodeContainerSpec(spec: ContainerSpec): Buffer {
  const records = processRecords(spec);
  records.push(...spec.lower.map((l) => `lower=${l}`), `upper=${spec.upper}`, `work=${spec.work}`, `rootfs=${spec.rootfs}`);
  records.push(`readonly_rootfs=${spec.readonlyRootfs ? 1 : 0}`, `net=${spec.net ?? "new"}`, `init=${spec.init ? 1 : 0}`);
  if (spec.hostname !== undefined) records.push(`hostname=${spec.hostname}`);
  if (spec.domainname !== undefined) records.push(`domainname=${spec.domainname}`);
  if (spec.oomEvents !== undefined) records.push(`oom_events=${spec.oomEvents}`);
  if (spec.shmSize !== undefined) records.push(`shm_size=${spec.shmSize}`);
  for (const m of spec.mounts ?? []) {
    if (m.kind === "bind") records.push(`bind=${m.source}`, m.target, (m.options ?? []).join(","));
    else records.push(`tmpfs=${m.target}`, (m.options ?? []).join(","));
  }
  for (const [name, value] of Object.entries(spec.sysctls ?? {})) records.push(`sysctl=${name}`, value);
  records.push(...(spec.masked ?? DOCKER_MASKED_PATHS).map((p) => `masked=${p}`));
  records.push(...(spec.readonlyPaths ?? DOCKER_READONLY_PATHS).map((p) => `readonly_path=${p}`));
  return encode(records);
}

/** The bytes of <execdir>/spec for an exec. */
export function encodeExecSpec(spec: ExecSpec): Buffer {
  return encode([...processRecords(spec), `join_pid=${spec.joinPid}`]);
}

export interface StartedMonitor {
  monitorPid: number;
  /** Host pid of the container's (or exec's) process. */
  pid: number;
}

/**
 * Starts `berth-monitor` detached (its own session, so it outlives us) on a state directory that
 * already holds `spec`. Resolves once the process runs (or, with hold, waits at the gate); rejects
 * with the monitor's message (e.g. `exec: "foo": executable file not found in $PATH`).
 */
export async function startMonitor(dir: string, mode: "run" | "exec" = "run"): Promise<StartedMonitor> {
  const path = monitorPath();
  const { pid, output } = await spawnDetached(path, mode === "run" ? [path, dir] : [path, "exec", dir]);
  const ok = /^ok (\d+)\n$/.exec(output);
  if (ok) return { monitorPid: pid, pid: Number(ok[1]) };
  throw new Error(output.startsWith("error ") ? output.slice(6).trimEnd() : `berth-monitor ${dir}: no start report`);
}

export interface ExitRecord {
  exitCode: number;
  /** Signal number that killed the process, or 0. */
  signal: number;
  finishedAt: string;
  oomKilled: boolean;
}

function readKeyValues(path: string): Map<string, string> | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  return new Map(text.split("\n").filter(Boolean).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

/** The exit file a monitor writes when its process has ended, or undefined while it runs. */
export function readExitRecord(dir: string): ExitRecord | undefined {
  const kv = readKeyValues(join(dir, "exit"));
  if (!kv) return undefined;
  return {
    exitCode: Number(kv.get("exit_code")),
    signal: Number(kv.get("signal")),
    finishedAt: kv.get("finished_at") ?? "",
    oomKilled: kv.get("oom_killed") === "1",
  };
}

/** Why the process could not be started (the error file), or undefined. */
export function readStartError(dir: string): { step: string; errno: number; message: string } | undefined {
  const kv = readKeyValues(join(dir, "error"));
  if (!kv) return undefined;
  return { step: kv.get("step") ?? "", errno: Number(kv.get("errno")), message: kv.get("message") ?? "" };
}
