// Runs the compiled CLI (bin/berth.js) as a user would, with a controlled environment.
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";

export const root = resolve(import.meta.dirname, "../..");
const berth = join(root, "bin/berth.js");
/** HOME for every run, so `~` in fixtures expands to a known path. */
export const FAKE_HOME = "/home/berth-tester";

export function runBerth(cwd: string, args: string[], env: Record<string, string> = {}, input?: string) {
  return spawnSync(process.execPath, ["--", berth, ...args], {
    cwd,
    input,
    encoding: "utf8",
    env: { PATH: process.env.PATH!, HOME: FAKE_HOME, ...env },
  });
}
