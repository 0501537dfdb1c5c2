// Runs the compiled CLI (bin/berth.js) as a user would, with a controlled environment.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { IN_TEST_HOST } from "../integration/engine/berthd.js";

export const root = resolve(import.meta.dirname, "../..");
const berth = join(root, "bin/berth.js");
/** HOME for every run, so `~` in fixtures expands to a known path. */
export const FAKE_HOME = "/home/berth-tester";

/**
 * With a BERTH_ROOT, a command that needs the engine starts berthd on it: the CLI then runs in that root's
 * throwaway host network namespace (in-test-host.sh), which the daemon inherits; removeRoot deletes it.
 */
export function runBerth(cwd: string, args: string[], env: Record<string, string> = {}, input?: string) {
  const command = [process.execPath, "--", berth, ...args];
  if (env.BERTH_ROOT) command.unshift(IN_TEST_HOST);
  return spawnSync(command[0]!, command.slice(1), {
    cwd,
    input,
    encoding: "utf8",
    env: { PATH: process.env.PATH!, HOME: FAKE_HOME, ...env },
  });
}

/**
 * runBerth without blocking this process: needed when the test's own berthd (a child logging through this
 * process) or a kept-alive engine connection must be served while the CLI runs.
 */
export function runBerthAsync(cwd: string, args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--", berth, ...args], { cwd, env: { PATH: process.env.PATH!, HOME: FAKE_HOME, ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** Runs berth against the engine on `socket` and asserts it succeeded, showing its stderr if not. */
export function berthOk(cwd: string, socket: string, args: string[], input?: string) {
  const r = runBerth(cwd, ["--host", `unix://${socket}`, ...args], {}, input);
  assert.equal(r.status, 0, `berth ${args.join(" ")}:\n${r.stderr}`);
  return r;
}
