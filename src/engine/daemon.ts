// berthd's main: takes its root, serves the API on its listeners, and stops cleanly on SIGTERM or SIGINT.
import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { openCgroups, type Cgroups } from "../runtime/cgroups/index.js";
import { ExecService } from "../runtime/container/exec.js";
import { ContainerService, type ContainerEvents, type VolumeEvents } from "../runtime/container/lifecycle.js";
import { superviseContainers } from "../runtime/container/supervise.js";
import { ImageStore } from "../runtime/image/store.js";
import { Firewall } from "../runtime/network/firewall.js";
import { Rtnl } from "../runtime/network/netlink.js";
import { DnsServer, hostUpstreams } from "../runtime/network/dns.js";
import { NetworkService } from "../runtime/network/service.js";
import { PortPublisher } from "../runtime/network/ports.js";
import { VolumeStore } from "../runtime/volume/store.js";
import { directorySize } from "../runtime/volume/usage.js";
import { formatHost, readDaemonConfig, type HostAddress } from "./config.js";
import { endpointsFor } from "./endpoints.js";
import { EventBus, eventRoutes } from "./events.js";
import { lockRoot } from "./lock.js";
import { log } from "./log.js";
import { API_VERSION, Router } from "./router.js";
import { EngineServer } from "./server.js";
import { authRoutes } from "./routes/auth.js";
import { buildRoutes } from "./routes/build.js";
import { containerRoutes } from "./routes/containers.js";
import { execRoutes } from "./routes/exec.js";
import { imageRoutes } from "./routes/images.js";
import { networkEvents, networkRoutes } from "./routes/networks.js";
import { volumeRoutes } from "./routes/volumes.js";
import { BERTH_VERSION, systemRoutes, type Inventory } from "./system.js";

export interface DaemonOptions {
  root: string;
  hosts: readonly HostAddress[];
}

/** Requests still running at shutdown get this long before their connections are cut. */
const SHUTDOWN_GRACE_MS = 5000;

/** The directory that holds this daemon's container cgroups in every hierarchy: one per root, so that daemons side by side never meet. */
export function cgroupGroup(root: string): string {
  return `berth-${createHash("sha256").update(root).digest("hex").slice(0, 12)}`;
}

function inventory(containers: ContainerService, images: ImageStore): Inventory {
  return {
    containers() {
      const statuses = containers.list().map((c) => c.record.State.Status);
      const running = statuses.filter((s) => s === "running").length;
      const paused = statuses.filter((s) => s === "paused").length;
      return { running, paused, stopped: statuses.length - running - paused };
    },
    images: () => images.count(),
  };
}

/** Serves until SIGTERM or SIGINT. Containers are never stopped here: their monitors own them. */
export async function runDaemon({ root, hosts }: DaemonOptions): Promise<void> {
  process.title = "berthd";
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const config = readDaemonConfig(root);
  const lock = await lockRoot(root);
  const bus = new EventBus();
  const warnings = hosts
    .filter((host) => host.kind === "tcp")
    .map((host) => `WARNING: API is accessible on ${formatHost(host)} without encryption; any local user can reach it and act as root`);
  let server: EngineServer | undefined;
  let cgroups: Cgroups | undefined;
  let dns: DnsServer | undefined;
  let networks: NetworkService | undefined;
  try {
    cgroups = await openCgroups({ group: cgroupGroup(root) });
    const events: ContainerEvents = (action, record, attributes) =>
      bus.emit("container", action, {
        ID: record.Id,
        Attributes: { ...record.Config.Labels, image: record.Config.Image, name: record.Name, ...attributes },
      });
    const volumeEvents: VolumeEvents = (action, name) => bus.emit("volume", action, { ID: name, Attributes: { driver: "local" } });
    // Volumes before containers, which mount them; a volume's users are asked for only once both are open.
    const volumes = await VolumeStore.open(join(root, "volumes"), {
      inUse: (name) => containers.usingVolume(name),
      size: (volume) => directorySize(volume.Mountpoint),
    });
    // Networks before containers, which get endpoints on them; the default `bridge` network is made on first start.
    // Names on user networks, forwarding the rest to daemon.json's "dns" servers, else the host's resolvers.
    dns = new DnsServer({ upstreams: config.dns.length > 0 ? config.dns : await hostUpstreams() });
    networks = await NetworkService.open({
      root, rtnl: Rtnl.open(), firewall: new Firewall(), events: networkEvents(bus), enableForwarding: enableIpForwarding, dns,
    });
    // Containers before images: the image store's start-up cleanup must know which images they use.
    let images: ImageStore | undefined;
    const ports = await PortPublisher.open({ root });
    const containers = await ContainerService.open({ root, images: () => images!, cgroups, volumes, events, volumeEvents, networks, ports });
    images = await ImageStore.open(join(root, "image"), { containersUsing: (id) => containers.countUsing(id) });
    const execs = new ExecService(containers, images, events);
    await superviseContainers(containers, execs, events);
    const routes = [
      ...systemRoutes({ root, engineId: engineId(root), inventory: inventory(containers, images), bus, warnings }),
      ...authRoutes(config.registry),
      ...eventRoutes(bus),
      ...containerRoutes({ containers, images, volumes, events, networks }),
      ...execRoutes(execs),
      ...imageRoutes(images, bus, config.registry),
      ...buildRoutes({ images, containers, volumes, bus, registry: config.registry, dir: join(root, "build") }),
      ...volumeRoutes({ volumes, bus }),
      ...networkRoutes({ networks, inUse: (id) => containers.usingNetwork(id), containers }),
    ];
    server = new EngineServer(new Router(endpointsFor(routes)), `berthd/${BERTH_VERSION} (linux)`);
    for (const host of hosts) await server.listen(host);
  } catch (err) {
    await server?.close(0);
    await dns?.close();
    await cgroups?.removeGroup();
    await lock.release();
    throw err;
  }
  log("info", `berthd ${BERTH_VERSION} (API ${API_VERSION}) listening on ${hosts.map(formatHost).join(", ")}; root ${root}; pid ${process.pid}`);
  for (const warning of warnings) log("warn", warning);

  const signal = await shutdownSignal();
  log("info", `${signal}: shutting down; containers keep running`);
  bus.close();
  await server.close(SHUTDOWN_GRACE_MS);
  // Removed containers' veth deletes may still be under way: their endpoints' state goes only once they are done.
  await networks!.settled();
  await cgroups!.removeGroup();
  await lock.release();
  log("info", "berthd stopped");
  // The pidfd waits on running containers' monitors cannot be cancelled and would keep the process alive.
  process.exit(0);
}

/** As dockerd, for containers' traffic out of their bridges; only in berthd's network namespace, and never undone. */
async function enableIpForwarding(): Promise<void> {
  await writeFile("/proc/sys/net/ipv4/ip_forward", "1\n");
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
