// Bench helper: the compiled berthd (`npm run build` first), started as `berth` starts it, in a throwaway host
// network namespace of its own root, so that benches never touch the machine's network.
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { DAEMON_NODE_OPTIONS } from "../src/engine/client.js";
import { IN_TEST_HOST } from "../test/integration/engine/berthd.js";

export const BERTH = resolve(import.meta.dirname, "../bin/berth.js");

/** Starts berthd on `root` (that of the checkout whose bin/berth.js `berth` is); resolves once it listens. */
export function startDaemon(root: string, berth = BERTH): Promise<ChildProcess> {
  const child = spawn(IN_TEST_HOST, [process.execPath, ...DAEMON_NODE_OPTIONS, berth, "daemon"], {
    env: { ...process.env, BERTH_ROOT: root },
    stdio: ["ignore", "ignore", "pipe"],
  });
  return new Promise((done, fail) => {
    let log = "";
    child.stderr!.on("data", (chunk: Buffer) => {
      log += chunk;
      if (log.includes(" listening on ")) done(child);
    });
    child.once("exit", (code) => fail(new Error(`berthd exited with ${code}:\n${log}`)));
  });
}
