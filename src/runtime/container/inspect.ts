// Docker's shapes of a container: `GET /containers/{id}/json` (ContainerInspectInfo) and one entry of
// `GET /containers/json` (ContainerInfo).
import type { ContainerInfo, ContainerInspectInfo, Port } from "dockerode";
import { inspectMounts } from "../volume/setup.js";
import type { PortMap } from "../network/ports.js";
import type { NetworkService } from "../network/service.js";
import type { VolumeStore } from "../volume/store.js";
import { commandOf } from "./config.js";
import type { Container } from "./lifecycle.js";
import { networkSettings } from "./networking.js";
import type { ContainerRecord } from "./record.js";

/** The network mode as inspect names it: "default" is the `bridge` network. */
function networkName(record: ContainerRecord): string {
  const mode = record.HostConfig.NetworkMode ?? "";
  return mode === "" || mode === "default" ? "bridge" : mode;
}

/** `volumes` gives each volume's Mountpoint, inspect's Source; `networks` the endpoints' addresses. */
export function inspectContainer(c: Container, volumes: VolumeStore, networks: NetworkService): ContainerInspectInfo {
  const { record, paths } = c;
  const [path = "", ...args] = commandOrEmpty(record);
  const status = record.State.Status;
  return {
    Id: record.Id,
    Created: record.Created,
    Path: path,
    Args: args,
    State: {
      Status: status,
      Running: status === "running" || status === "paused",
      Paused: status === "paused",
      Restarting: status === "restarting",
      OOMKilled: record.State.OOMKilled,
      Dead: status === "dead",
      Pid: record.State.Pid,
      ExitCode: record.State.ExitCode,
      Error: record.State.Error,
      StartedAt: record.State.StartedAt,
      FinishedAt: record.State.FinishedAt,
      ...(record.State.Health && { Health: record.State.Health }),
    },
    Image: record.Image,
    ResolvConfPath: paths.resolvConf,
    HostnamePath: paths.hostname,
    HostsPath: paths.hosts,
    LogPath: paths.log,
    Name: `/${record.Name}`,
    RestartCount: record.RestartCount,
    Driver: "overlay2",
    Platform: "linux",
    MountLabel: "",
    ProcessLabel: "",
    AppArmorProfile: "",
    ExecIDs: null as unknown as string[],
    HostConfig: { NetworkMode: networkName(record), RestartPolicy: { Name: "no", MaximumRetryCount: 0 }, LogConfig: { Type: "json-file", Config: {} }, ...record.HostConfig },
    GraphDriver: {
      Name: "overlay2",
      Data: { UpperDir: paths.upper, WorkDir: paths.work, MergedDir: paths.rootfs } as unknown as ContainerInspectInfo["GraphDriver"]["Data"],
    },
    Mounts: inspectMounts(record.Mounts, volumes),
    Config: { ...record.Config, Cmd: record.Config.Cmd ?? (null as unknown as string[]), Entrypoint: record.Config.Entrypoint ?? undefined } as ContainerInspectInfo["Config"],
    NetworkSettings: networkSettings(networks, record, c.dir, c.running, c.ports) as unknown as ContainerInspectInfo["NetworkSettings"],
  };
}

function commandOrEmpty(record: ContainerRecord): string[] {
  try {
    return commandOf(record.Config);
  } catch {
    return [];
  }
}

/** Docker's go-units HumanDuration: "Less than a second", "About a minute", "3 hours"... */
export function humanDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  if (seconds < 1) return "Less than a second";
  if (seconds === 1) return "1 second";
  if (seconds < 60) return plural(seconds, "second");
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return "About a minute";
  if (minutes < 60) return plural(minutes, "minute");
  const hours = Math.round(minutes / 60);
  if (hours === 1) return "About an hour";
  if (hours < 48) return plural(hours, "hour");
  if (hours < 24 * 7 * 2) return plural(Math.floor(hours / 24), "day");
  if (hours < 24 * 30 * 2) return plural(Math.floor(hours / 24 / 7), "week");
  if (hours < 24 * 365 * 2) return plural(Math.floor(hours / 24 / 30), "month");
  return plural(Math.floor(hours / 24 / 365), "year");
}

function statusText(record: ContainerRecord, now: number): string {
  const { State: state } = record;
  switch (state.Status) {
    case "running": {
      const health = state.Health && (state.Health.Status === "starting" ? " (health: starting)" : ` (${state.Health.Status})`);
      return `Up ${humanDuration(now - Date.parse(state.StartedAt))}${health ?? ""}`;
    }
    case "paused":
      return `Up ${humanDuration(now - Date.parse(state.StartedAt))} (Paused)`;
    case "exited":
      return `Exited (${state.ExitCode}) ${humanDuration(now - Date.parse(state.FinishedAt))} ago`;
    case "created":
      return "Created";
    case "removing":
      return "Removal In Progress";
    case "restarting":
      return `Restarting (${state.ExitCode}) ${humanDuration(now - Date.parse(state.FinishedAt))} ago`;
    case "dead":
      return "Dead";
  }
}

/** The list's Ports, as dockerd flattens NetworkSettings.Ports: a row per binding; an exposed port without one has no IP or PublicPort. */
function portList(ports: PortMap): Port[] {
  return Object.entries(ports).flatMap(([key, bindings]) => {
    const [privatePort, type = "tcp"] = key.split("/");
    const PrivatePort = Number(privatePort);
    if (!bindings?.length) return [{ PrivatePort, Type: type } as Port]; // dockerd omits the empty fields
    return bindings.map((b) => ({ IP: b.HostIp, PrivatePort, PublicPort: Number(b.HostPort), Type: type }));
  });
}

export function summarizeContainer(c: Container, volumes: VolumeStore, networks: NetworkService, now = Date.now()): ContainerInfo {
  const { record } = c;
  return {
    Id: record.Id,
    Names: [`/${record.Name}`],
    Image: record.Config.Image,
    ImageID: record.Image,
    Command: commandOrEmpty(record).join(" "),
    Created: Math.floor(Date.parse(record.Created) / 1000),
    Ports: portList((c.running && c.ports) || {}),
    Labels: record.Config.Labels,
    State: record.State.Status,
    Status: statusText(record, now),
    HostConfig: { NetworkMode: networkName(record) },
    NetworkSettings: { Networks: networkSettings(networks, record, c.dir, c.running).Networks } as unknown as ContainerInfo["NetworkSettings"],
    Mounts: inspectMounts(record.Mounts, volumes),
  };
}
