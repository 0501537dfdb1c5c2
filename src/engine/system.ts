// System endpoints: /_ping, /version, /info — what clients read to negotiate and to describe the engine.
import { readFileSync, readdirSync, statfsSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import type { EventBus } from "./events.js";
import { API_VERSION, MIN_API_VERSION, route, type Context, type Route } from "./router.js";

export const { version: BERTH_VERSION } = createRequire(import.meta.url)("../../package.json") as { version: string };

export interface ContainerCounts {
  running: number;
  paused: number;
  stopped: number;
}

/** What /info counts; the container and image stores provide it. */
export interface Inventory {
  containers(): ContainerCounts;
  images(): number;
}

export interface SystemDeps {
  root: string;
  /** Stable across restarts: kept in the root. */
  engineId: string;
  inventory: Inventory;
  bus: EventBus;
  /** Shown by `docker info`, e.g. an unencrypted TCP listener. */
  warnings: readonly string[];
}

const CGROUP2_SUPER_MAGIC = 0x63677270;

/** Docker names architectures as Go does. */
const GO_ARCH: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386", ppc64: "ppc64le", s390x: "s390x" };

export function systemRoutes(deps: SystemDeps): Route[] {
  return [
    route("GET", "/_ping", ping),
    route("HEAD", "/_ping", ping),
    route("GET", "/version", (ctx) => ctx.json(versionInfo())),
    route("GET", "/info", (ctx) => ctx.json(systemInfo(deps))),
  ];
}

function ping(ctx: Context): void {
  const body = ctx.req.method === "HEAD" ? "" : "OK";
  ctx.res.writeHead(200, {
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": body.length,
    "Cache-Control": "no-cache, no-store, must-revalidate",
    Pragma: "no-cache",
    "Docker-Experimental": "false",
    // 1 = the classic builder protocol (POST /build); berthd has no BuildKit session endpoint.
    "Builder-Version": "1",
    Swarm: "inactive",
  });
  ctx.res.end(body);
}

function versionInfo() {
  const details = {
    ApiVersion: API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    Os: "linux",
    Arch: GO_ARCH[process.arch] ?? process.arch,
    KernelVersion: os.release(),
    Experimental: "false",
  };
  return {
    Platform: { Name: "berth" },
    Components: [{ Name: "Engine", Version: BERTH_VERSION, Details: details }],
    Version: BERTH_VERSION,
    ...details,
    Experimental: false,
  };
}

function systemInfo({ root, engineId, inventory, bus, warnings }: SystemDeps) {
  const { running, paused, stopped } = inventory.containers();
  const release = osRelease();
  return {
    ID: engineId,
    Containers: running + paused + stopped,
    ContainersRunning: running,
    ContainersPaused: paused,
    ContainersStopped: stopped,
    Images: inventory.images(),
    Driver: "overlay2",
    DriverStatus: [],
    DockerRootDir: root,
    Plugins: { Volume: ["local"], Network: ["host", "null"], Authorization: null, Log: ["json-file"] },
    Debug: false,
    NFd: readdirSync("/proc/self/fd").length,
    SystemTime: new Date().toISOString(),
    LoggingDriver: "json-file",
    CgroupDriver: "cgroupfs",
    CgroupVersion: statfsSync("/sys/fs/cgroup").type === CGROUP2_SUPER_MAGIC ? "2" : "1",
    NEventsListener: bus.listenerCount,
    KernelVersion: os.release(),
    OperatingSystem: release.PRETTY_NAME ?? "Linux",
    OSVersion: release.VERSION_ID ?? "",
    OSType: "linux",
    Architecture: os.machine(),
    NCPU: os.availableParallelism(),
    MemTotal: os.totalmem(),
    IndexServerAddress: "https://index.docker.io/v1/",
    RegistryConfig: { IndexConfigs: {}, InsecureRegistryCIDRs: [], Mirrors: [] },
    GenericResources: null,
    Name: os.hostname(),
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: BERTH_VERSION,
    // Containers run under berth's own per-container monitor, not an OCI runtime binary.
    Runtimes: { berth: { path: "berth-monitor" } },
    DefaultRuntime: "berth",
    Swarm: { NodeID: "", NodeAddr: "", LocalNodeState: "inactive", ControlAvailable: false, Error: "", RemoteManagers: null },
    // Containers keep running across berthd restarts, which is what live restore means to clients.
    LiveRestoreEnabled: true,
    Isolation: "",
    SecurityOptions: [],
    Warnings: warnings,
  };
}

function osRelease(): Record<string, string> {
  const fields: Record<string, string> = {};
  let text = "";
  try {
    text = readFileSync("/etc/os-release", "utf8");
  } catch {
    return fields; // not every system has it; the fallbacks above apply
  }
  for (const line of text.split("\n")) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) fields[m[1]!] = m[2]!.replace(/^"(.*)"$/, "$1");
  }
  return fields;
}
