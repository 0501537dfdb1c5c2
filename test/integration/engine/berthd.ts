// Test helper: an isolated berthd (its own root and socket in a temp dir) as a child process of the test.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { localSocket } from "../../../src/engine/config.js";

const RUN_DAEMON = resolve(import.meta.dirname, "run-daemon.ts");
/** `berth daemon` from the sources; the environment's BERTH_ROOT picks the root. */
export const DAEMON_COMMAND = [process.execPath, "--import", "tsx", RUN_DAEMON] as const;

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

export function removeRoot(root: string): void {
  rmSync(root, { recursive: true, force: true });
}
