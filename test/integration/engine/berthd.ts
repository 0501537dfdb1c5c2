// Test helper: an isolated berthd (its own root and socket in a temp dir) as a child process of the test,
// inside a throwaway network namespace of its own (in-test-host.sh), so its networks never touch the real host.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statfsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { localSocket } from "../../../src/engine/config.js";

const RUN_DAEMON = resolve(import.meta.dirname, "run-daemon.ts");
/** Prefix for a command that must run in the test host namespace of the root in its environment's BERTH_ROOT. */
export const IN_TEST_HOST = resolve(import.meta.dirname, "in-test-host.sh");
/** `berth daemon` from the sources, in its test host namespace; the environment's BERTH_ROOT picks the root. */
export const DAEMON_COMMAND = [IN_TEST_HOST, process.execPath, "--import", "tsx", RUN_DAEMON] as const;

/** The file binding the network namespace that a test daemon on `root` takes for the host (see in-test-host.sh). */
export function testHostNetns(root: string): string {
  return `${root.replace(/\/$/, "")}.netns`;
}

/** statfs f_type of a namespace file (NSFS_MAGIC): the bind mount is in place. */
const NSFS_MAGIC = 0x6e736673;

/** Unbinds and deletes the test host namespace of `root`, with every bridge, veth and nft rule in it. */
export function removeTestHostNetns(root: string): void {
  const file = testHostNetns(root);
  if (!existsSync(file)) return;
  if (statfsSync(file).type === NSFS_MAGIC) execFileSync("umount", ["--lazy", file]);
  rmSync(file, { force: true });
}

/** Runs a command inside the test host namespace of `root` (e.g. to reach its loopback or its bridges). */
export function inTestHost(root: string, ...command: string[]): string {
  return execFileSync("nsenter", [`--net=${testHostNetns(root)}`, "--", ...command], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/**
 * The names of the test host's links of `type`, polled until `settled` holds for them (berthd answers before the
 * kernel's deletes are done); as they are after ~2 s otherwise.
 */
export async function linksOnceSettled(root: string, type: "veth" | "bridge", settled: (names: string[]) => boolean): Promise<string[]> {
  for (let attempt = 0; ; attempt++) {
    const names = inTestHost(root, "ip", "-o", "link", "show", "type", type).split("\n").filter(Boolean).map((line) => line.split(": ")[1]!);
    if (settled(names) || attempt === 100) return names;
    await new Promise((wake) => setTimeout(wake, 20));
  }
}

export function tempRoot(): string {
  return mkdtempSync(join(tmpdir(), "berthd-test-"));
}

export interface Berthd {
  root: string;
  socket: string;
  child: ChildProcess;
  /** Everything the daemon has logged so far. */
  log(): string;
  /** Resolves with the exit status once the process is gone. */
  exited: Promise<number | null>;
}

/** Starts berthd on `root` and resolves once it logs that it listens; rejects with its log if it exits first. */
export function startBerthd(root: string, args: string[] = []): Promise<Berthd> {
  const child = spawn(DAEMON_COMMAND[0], [...DAEMON_COMMAND.slice(1), ...args], {
    env: { ...process.env, BERTH_ROOT: root },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk));
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  const daemon: Berthd = { root, socket: localSocket(root), child, log: () => output, exited };
  return new Promise((done, fail) => {
    child.stderr.on("data", () => {
      if (output.includes(" listening on ")) done(daemon);
    });
    void exited.then((code) => fail(new Error(`berthd exited with ${code} before listening:\n${output}`)));
  });
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until `pid` is gone — for daemons that are not our children, so there is no exit event to wait on. */
export async function waitGone(pid: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline) throw new Error(`process ${pid} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Removes the root and its test host namespace. Namespace files a killed daemon left bound under the root
 * (its containers') are unbound first: rm cannot delete a mount point.
 */
export function removeRoot(root: string): void {
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const mountPoint = line.split(" ")[4];
    const fsType = line.split(" - ")[1]?.split(" ")[0];
    if (fsType === "nsfs" && mountPoint?.startsWith(`${root}/`)) execFileSync("umount", ["--lazy", mountPoint]);
  }
  removeTestHostNetns(root);
  rmSync(root, { recursive: true, force: true });
}
