// Runs the compiled CLI (bin/berth.js) as a user would, with a controlled environment.
import { spawnSync } from "node:child_process";
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
