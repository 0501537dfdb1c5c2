// berthd's main: takes its root, serves the API on its listeners, and stops cleanly on SIGTERM or SIGINT.
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatHost, type HostAddress } from "./config.js";
import { endpointsFor } from "./endpoints.js";
import { EventBus, eventRoutes } from "./events.js";
import { lockRoot } from "./lock.js";
import { log } from "./log.js";
import { API_VERSION, Router } from "./router.js";
import { EngineServer } from "./server.js";
import { BERTH_VERSION, systemRoutes, type Inventory } from "./system.js";

export interface DaemonOptions {
  root: string;
  hosts: readonly HostAddress[];
}

/** Requests still running at shutdown get this long before their connections are cut. */
const SHUTDOWN_GRACE_MS = 5000;

/** The container and image stores are not part of berthd yet, so there is nothing to count. */
const EMPTY_INVENTORY: Inventory = {
  containers: () => ({ running: 0, paused: 0, stopped: 0 }),
  images: () => 0,
};

/** Serves until SIGTERM or SIGINT. Containers are never stopped here: their monitors own them. */
export async function runDaemon({ root, hosts }: DaemonOptions): Promise<void> {
  process.title = "berthd";
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const lock = await lockRoot(root);
  const bus = new EventBus();
  const warnings = hosts
    .filter((host) => host.kind === "tcp")
    .map((host) => `WARNING: API is accessible on ${formatHost(host)} without encryption; any local user can reach it and act as root`);
  let server: EngineServer | undefined;
  try {
    const routes = [...systemRoutes({ root, engineId: engineId(root), inventory: EMPTY_INVENTORY, bus, warnings }), ...eventRoutes(bus)];
    server = new EngineServer(new Router(endpointsFor(routes)), `berthd/${BERTH_VERSION} (linux)`);
    for (const host of hosts) await server.listen(host);
  } catch (err) {
    await server?.close(0);
    await lock.release();
    throw err;
  }
  log("info", `berthd ${BERTH_VERSION} (API ${API_VERSION}) listening on ${hosts.map(formatHost).join(", ")}; root ${root}; pid ${process.pid}`);
  for (const warning of warnings) log("warn", warning);

  const signal = await shutdownSignal();
  log("info", `${signal}: shutting down; containers keep running`);
  bus.close();
  await server.close(SHUTDOWN_GRACE_MS);
  await lock.release();
  log("info", "berthd stopped");
}

/** After the first signal the handlers are gone, so a second Ctrl-C kills a shutdown that hangs. */
function shutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      resolve(signal);
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
}

/** The engine's ID (docker info's ID), created once per root so it survives restarts. */
function engineId(root: string): string {
  const file = join(root, "engine-id");
  try {
    return readFileSync(file, "utf8").trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const id = randomUUID();
  writeFileSync(`${file}.tmp`, `${id}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
  return id;
}
