// `berth daemon`: runs berthd in the foreground, logging to standard error.
import { resolve } from "node:path";
import { UserError } from "../compose/errors.js";
import { berthRoot, localSocket, parseHost } from "../engine/config.js";
import { runDaemon } from "../engine/daemon.js";

export interface DaemonCommandOptions {
  /** Listen addresses (unix:///path, tcp://127.0.0.1:PORT); none means the root's own socket. */
  host: string[];
  root?: string;
}

export async function daemonCommand(options: DaemonCommandOptions): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new UserError("berth daemon must run as root: it creates namespaces, mounts and cgroups");
  }
  const root = options.root ? resolve(options.root) : berthRoot();
  const hosts = options.host.length > 0 ? options.host : [`unix://${localSocket(root)}`];
  await runDaemon({ root, hosts: hosts.map(parseHost) });
}
