// One daemon per root. The lock is an abstract unix socket named after the root: binding it is atomic and the
// kernel releases it however the holder dies (even SIGKILL), which a pid file alone cannot promise.
import { createHash } from "node:crypto";
import { readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { UserError } from "../compose/errors.js";
import { pidFile } from "./config.js";

export interface RootLock {
  release(): Promise<void>;
}

/** Takes the root, writes the pid file, or fails naming the daemon that holds it. */
export async function lockRoot(root: string): Promise<RootLock> {
  const name = "\0berthd-root-" + createHash("sha256").update(realpathSync(root)).digest("hex").slice(0, 32);
  const server = createServer((connection) => connection.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EADDRINUSE") return reject(err);
      const holder = readPid(root);
      reject(
        new UserError(
          `another berthd${holder ? ` (pid ${holder})` : ""} is already running with root ${root}; ` +
            `stop it first, or give this one its own root with BERTH_ROOT`,
        ),
      );
    });
    server.listen(name, resolve);
  });
  writePid(root);
  return { release: () => release(server, root) };
}

function readPid(root: string): number | undefined {
  try {
    return Number.parseInt(readFileSync(pidFile(root), "utf8"), 10) || undefined;
  } catch {
    return undefined;
  }
}

function writePid(root: string): void {
  const temp = `${pidFile(root)}.${process.pid}`;
  writeFileSync(temp, `${process.pid}\n`, { mode: 0o644 });
  renameSync(temp, pidFile(root));
}

async function release(server: Server, root: string): Promise<void> {
  rmSync(pidFile(root), { force: true });
  await new Promise((resolve) => server.close(resolve));
}
