// A service's container as a `POST /containers/create` body, key for key as Docker Compose builds it
// (pkg/compose/create.go): the engine gets everything in one call, networks included (API ≥ 1.44).
import type { ContainerCreateOptions, EndpointSettings, HostConfig, MountSettings } from "dockerode";
import type { Project, Service, ServiceVolume } from "../compose/model.js";
import { parseBytes } from "../compose/syntax/bytes.js";
import { parseDuration } from "../compose/syntax/duration.js";
import { parseRestartPolicy } from "../compose/syntax/restart.js";
import { serviceNetworks, type DesiredService } from "../plan/desired.js";
import { formatDependsOn, LABEL } from "../plan/labels.js";
import { fileBinds, fileObjects } from "./file-objects.js";

export interface CreateContext {
  project: Project;
  workingDir: string;
  configFiles: string[];
  /** berth's version, for the version label */
  version: string;
  /** the id of a service's first container, for `service:` references (network_mode, ipc, pid, volumes_from) */
  containerOf: (service: string) => string;
}

export function createRequest(service: DesiredService, number: number, ctx: CreateContext): ContainerCreateOptions {
  const config = service.config;
  const request: ContainerCreateOptions = {
    Image: service.image,
    Labels: containerLabels(service, number, ctx),
    ...(config.command && { Cmd: config.command }),
    ...(config.entrypoint && { Entrypoint: config.entrypoint }),
    ...(config.environment && { Env: environment(config) }),
    ...(config.working_dir && { WorkingDir: config.working_dir }),
    ...(config.user && { User: config.user }),
    ...(config.hostname && { Hostname: config.hostname }),
    ...(config.domainname && { Domainname: config.domainname }),
    ...(config.tty !== undefined && { Tty: config.tty }),
    ...(config.stdin_open !== undefined && { OpenStdin: config.stdin_open }),
    ...(config.stop_signal && { StopSignal: config.stop_signal }),
    ...(config.stop_grace_period && { StopTimeout: Math.floor(parseDuration(config.stop_grace_period) / 1e9) }),
    ...(config.mac_address && { MacAddress: config.mac_address }),
    ...(config.healthcheck && { Healthcheck: healthcheck(config.healthcheck) }),
    ...exposedPorts(config),
    HostConfig: hostConfig(service, ctx),
  };
  const endpoints = endpointsConfig(service, ctx.project);
  if (endpoints) request.NetworkingConfig = { EndpointsConfig: endpoints };
  return request;
}

/** The service's labels, then compose's own, which win. */
export function containerLabels(service: DesiredService, number: number, ctx: CreateContext): Record<string, string> {
  return {
    ...service.config.labels,
    [LABEL.project]: ctx.project.name,
    [LABEL.service]: service.name,
    [LABEL.number]: String(number),
    [LABEL.oneoff]: "False",
    [LABEL.configHash]: service.hash,
    ...(service.imageId && { [LABEL.image]: service.imageId }),
    [LABEL.dependsOn]: formatDependsOn(service.dependsOn),
    [LABEL.workingDir]: ctx.workingDir,
    [LABEL.configFiles]: ctx.configFiles.join(","),
    [LABEL.version]: ctx.version,
  };
}

/** `K=V`; a bare variable the shell does not set is left out, as compose does. */
function environment(config: Service): string[] {
  return Object.entries(config.environment ?? {}).filter(([, v]) => v !== null).map(([k, v]) => `${k}=${v}`);
}

const nanoseconds = (d: string | undefined) => (d === undefined ? undefined : parseDuration(d));

function healthcheck(h: NonNullable<Service["healthcheck"]>): NonNullable<ContainerCreateOptions["Healthcheck"]> {
  if (h.disable) return { Test: ["NONE"] };
  return {
    ...(h.test && { Test: h.test }),
    ...(h.interval && { Interval: nanoseconds(h.interval) }),
    ...(h.timeout && { Timeout: nanoseconds(h.timeout) }),
    ...(h.start_period && { StartPeriod: nanoseconds(h.start_period) }),
    ...(h.start_interval && { StartInterval: nanoseconds(h.start_interval) }),
    ...(h.retries !== undefined && { Retries: h.retries }),
  } as NonNullable<ContainerCreateOptions["Healthcheck"]>;
}

/** `80/tcp` for every published and exposed port (`expose: ["9000-9001"]` exposes each). */
function exposedPorts(config: Service): Pick<ContainerCreateOptions, "ExposedPorts"> {
  const ports: Record<string, object> = {};
  for (const port of config.ports ?? []) ports[`${port.target}/${port.protocol ?? "tcp"}`] = {};
  for (const entry of config.expose ?? []) {
    const [range = "", protocol = "tcp"] = entry.split("/");
    const [first, last = first] = range.split("-").map(Number);
    for (let p = first!; p <= last!; p++) ports[`${p}/${protocol}`] = {};
  }
  return Object.keys(ports).length > 0 ? { ExposedPorts: ports } : {};
}

function portBindings(config: Service): HostConfig["PortBindings"] {
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const port of config.ports ?? []) {
    const key = `${port.target}/${port.protocol ?? "tcp"}`;
    (bindings[key] ??= []).push({ HostIp: port.host_ip ?? "", HostPort: port.published ?? "" });
  }
  return bindings;
}

/** `service:db` → `container:<id of db's first container>`; other modes as written. */
function resolveMode(mode: string | undefined, ctx: CreateContext): string | undefined {
  if (!mode?.startsWith("service:")) return mode;
  return `container:${ctx.containerOf(mode.slice("service:".length))}`;
}

function hostConfig(service: DesiredService, ctx: CreateContext): HostConfig {
  const config = service.config;
  const limits = config.deploy?.resources?.limits;
  const reservations = config.deploy?.resources?.reservations;
  const { binds, mounts } = volumes(config, ctx.project);
  mounts.push(...fileBinds(fileObjects(config, ctx.project)));
  const cpus = config.cpus ?? limits?.cpus;
  const memory = config.mem_limit ?? limits?.memory;
  const host: HostConfig = {
    NetworkMode: resolveMode(config.network_mode, ctx) ?? service.networks[0] ?? "none",
    RestartPolicy: restartPolicy(config),
    ...(binds.length > 0 && { Binds: binds }),
    ...(mounts.length > 0 && { Mounts: mounts as MountSettings[] }),
    ...(config.tmpfs && { Tmpfs: Object.fromEntries(config.tmpfs.map((t) => [t.split(":")[0]!, t.split(":").slice(1).join(":")])) }),
    ...(config.ports && { PortBindings: portBindings(config) }),
    ...(config.volumes_from && { VolumesFrom: config.volumes_from.map((v) => volumesFrom(v, ctx)) }),
    ...(config.ipc && { IpcMode: resolveMode(config.ipc, ctx) }),
    ...(config.pid && { PidMode: resolveMode(config.pid, ctx) }),
    ...(config.uts && { UTSMode: config.uts }),
    ...(config.userns_mode && { UsernsMode: config.userns_mode }),
    ...(config.cap_add && { CapAdd: config.cap_add }),
    ...(config.cap_drop && { CapDrop: config.cap_drop }),
    ...(config.init !== undefined && { Init: config.init }),
    ...(config.privileged !== undefined && { Privileged: config.privileged }),
    ...(config.read_only !== undefined && { ReadonlyRootfs: config.read_only }),
    ...(config.security_opt && { SecurityOpt: config.security_opt }),
    // compose's model holds `host=ip`; the engine wants `host:ip`
    ...(config.extra_hosts && { ExtraHosts: config.extra_hosts.map((e) => e.replace("=", ":")) }),
    ...(config.dns && { Dns: config.dns }),
    ...(config.dns_search && { DnsSearch: config.dns_search }),
    ...(config.dns_opt && { DnsOptions: config.dns_opt }),
    ...(config.sysctls && { Sysctls: config.sysctls }),
    ...(config.ulimits && { Ulimits: Object.entries(config.ulimits).map(([Name, u]) => (typeof u === "number" ? { Name, Soft: u, Hard: u } : { Name, Soft: u.soft, Hard: u.hard })) }),
    ...(config.shm_size && { ShmSize: parseBytes(config.shm_size) }),
    ...(config.group_add && { GroupAdd: config.group_add }),
    ...(config.cgroup_parent && { CgroupParent: config.cgroup_parent }),
    ...(cpus !== undefined && { NanoCpus: Math.round(cpus * 1e9) }),
    ...(config.cpu_shares !== undefined && { CpuShares: config.cpu_shares }),
    ...(config.cpu_quota !== undefined && { CpuQuota: config.cpu_quota }),
    ...(config.cpu_period !== undefined && { CpuPeriod: config.cpu_period }),
    ...(config.cpuset && { CpusetCpus: config.cpuset }),
    ...(memory && { Memory: parseBytes(memory) }),
    ...((config.mem_reservation ?? reservations?.memory) && { MemoryReservation: parseBytes((config.mem_reservation ?? reservations?.memory)!) }),
    ...(config.memswap_limit && { MemorySwap: parseBytes(config.memswap_limit) }),
    ...(config.mem_swappiness !== undefined && { MemorySwappiness: config.mem_swappiness }),
    ...((config.pids_limit ?? limits?.pids) !== undefined && { PidsLimit: (config.pids_limit ?? limits?.pids)! }),
    ...(config.oom_kill_disable !== undefined && { OomKillDisable: config.oom_kill_disable }),
    ...(config.oom_score_adj !== undefined && { OomScoreAdj: config.oom_score_adj }),
    ...(config.logging?.driver && { LogConfig: { Type: config.logging.driver, Config: config.logging.options ?? {} } }),
  };
  return host;
}

/** `restart`, else deploy.restart_policy's condition (any → always, none → no), as compose maps them. */
function restartPolicy(config: Service): HostConfig["RestartPolicy"] {
  if (config.restart) {
    const policy = parseRestartPolicy(config.restart);
    return { Name: policy.name, ...(policy.maxRetries !== undefined && { MaximumRetryCount: policy.maxRetries }) };
  }
  const deploy = config.deploy?.restart_policy;
  if (!deploy) return { Name: "no" };
  const name = deploy.condition === "any" || deploy.condition === undefined ? "always" : deploy.condition === "none" ? "no" : deploy.condition;
  return { Name: name, ...(deploy.max_attempts !== undefined && { MaximumRetryCount: deploy.max_attempts }) };
}

/** `service:name[:mode]` or `name[:mode]` → the engine's `<container>[:mode]`; `container:x` as is. */
function volumesFrom(entry: string, ctx: CreateContext): string {
  const parts = entry.split(":");
  if (parts[0] === "container") return parts.slice(1).join(":");
  const [service, mode] = parts[0] === "service" ? [parts[1]!, parts[2]] : [parts[0]!, parts[1]];
  return mode ? `${ctx.containerOf(service)}:${mode}` : ctx.containerOf(service);
}

/**
 * Named volumes get the project's volume names. A bind mount that may create its source goes in Binds (the
 * engine makes the missing directory there; a Mounts entry would fail), everything else in Mounts.
 */
function volumes(config: Service, project: Project): { binds: string[]; mounts: Mount[] } {
  const binds: string[] = [];
  const mounts: Mount[] = [];
  for (const v of config.volumes ?? []) {
    if (v.type === "bind" && v.bind?.create_host_path) binds.push(bindSpec(v));
    else mounts.push(mount(v, project));
  }
  return { binds, mounts };
}

function bindSpec(v: ServiceVolume): string {
  const options = [v.read_only ? "ro" : "", v.bind?.propagation ?? "", v.bind?.selinux ?? ""].filter(Boolean);
  return `${v.source}:${v.target}${options.length > 0 ? `:${options.join(",")}` : ""}`;
}

/** A Mounts entry as the API has it (every option optional; @types/dockerode requires them all). */
interface Mount {
  Type: string;
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  BindOptions?: { Propagation?: string };
  VolumeOptions?: { NoCopy?: boolean; Subpath?: string };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

function mount(v: ServiceVolume, project: Project): Mount {
  const source = v.type === "volume" && v.source ? (project.volumes[v.source]?.name ?? v.source) : v.source;
  const m: Mount = { Type: v.type, Target: v.target, ...(source && { Source: source }), ...(v.read_only && { ReadOnly: true }) };
  if (v.bind) m.BindOptions = { ...(v.bind.propagation && { Propagation: v.bind.propagation }) };
  if (v.volume) m.VolumeOptions = { ...(v.volume.nocopy && { NoCopy: true }), ...(v.volume.subpath && { Subpath: v.volume.subpath }) };
  if (v.tmpfs) {
    m.TmpfsOptions = {
      ...(v.tmpfs.size !== undefined && { SizeBytes: parseBytes(String(v.tmpfs.size)) }),
      ...(v.tmpfs.mode !== undefined && { Mode: v.tmpfs.mode }),
    };
  }
  return m;
}

/** One endpoint per network, with the service name as an alias (how other services reach it) and fixed addresses. */
function endpointsConfig(service: DesiredService, project: Project): Record<string, EndpointSettings> | undefined {
  const config = service.config;
  if (config.network_mode || !config.networks) return undefined;
  const endpoints: Record<string, EndpointSettings> = {};
  for (const key of serviceNetworks(config)) {
    const n = config.networks[key] ?? {};
    const ipam = { ...(n.ipv4_address && { IPv4Address: n.ipv4_address }), ...(n.ipv6_address && { IPv6Address: n.ipv6_address }) };
    endpoints[project.networks[key]!.name] = {
      Aliases: [service.name, ...(n.aliases ?? [])],
      ...(Object.keys(ipam).length > 0 && { IPAMConfig: ipam }),
      ...(n.mac_address && { MacAddress: n.mac_address }),
      ...(n.driver_opts && { DriverOpts: Object.fromEntries(Object.entries(n.driver_opts).map(([k, v]) => [k, String(v)])) }),
    } as EndpointSettings;
  }
  return endpoints;
}
