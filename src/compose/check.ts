// Step 10: semantic checks on the canonical project, for what the schema cannot see: references between
// services and top-level resources, names and host ports that must be unique, addresses inside their subnets.
// References to services through `depends_on` and cycles are the dependency graph's to report (plan/graph.ts).
import { UserError, type Loc, type Path, type Warn } from "./errors.js";
import type { NetworkDefinition, Project, Service } from "./model.js";
import { ipInCIDR, parseCIDR, parseIPv4 } from "./syntax/net.js";

export interface CheckContext {
  locate: (path: Path) => Loc | undefined;
  warn: Warn;
}

/** Throws a UserError, located in the file that wrote the offending key, for the first problem found. */
export function check(project: Project, ctx: CheckContext): void {
  const fail = (path: Path, detail: string): never => {
    throw new UserError(detail, { loc: ctx.locate(path), path });
  };
  checkExternalResources(project, fail);
  const names = Object.keys(project.services).sort();
  for (const name of names) checkService(name, project.services[name]!, project, fail);
  checkContainerNames(project, names, fail);
  checkPublishedPorts(project, names, fail);
  warnReplicatedPorts(project, names, ctx);
}

type Fail = (path: Path, detail: string) => never;
/** The path of a key of the service being checked. */
type At = (...keys: (string | number)[]) => Path;

const SINGULAR = { networks: "network", volumes: "volume", secrets: "secret", configs: "config" } as const;

/** An external resource already exists: compose only looks it up, so attributes for creating it make no sense. */
function checkExternalResources(project: Project, fail: Fail): void {
  for (const kind of ["networks", "volumes", "secrets", "configs"] as const) {
    for (const [key, resource] of Object.entries(project[kind])) {
      if (resource.external !== true) continue;
      const attribute = Object.keys(resource).find((attr) => attr !== "name" && attr !== "external");
      if (attribute) fail([kind, key, attribute], `external ${kind} cannot set ${attribute} (they are created outside the project)`);
    }
  }
}

function checkService(name: string, service: Service, project: Project, fail: Fail): void {
  const at: At = (...keys) => ["services", name, ...keys];
  if (service.image === undefined && service.build === undefined && service.provider === undefined) {
    fail(at(), `service has neither an image nor a build context (set image or build)`);
  }
  if (service.network_mode !== undefined && service.networks !== undefined) {
    fail(at("network_mode"), `network_mode cannot be combined with networks (remove one of them)`);
  }
  checkServiceReferences(service, project, at, fail);
  checkResourceReferences(service, project, at, fail);
  checkMountTargets(service, at, fail);
  checkStaticAddresses(service, project, at, fail);

  const replicas = service.deploy?.replicas;
  if (service.scale !== undefined && replicas !== undefined && service.scale !== replicas) {
    fail(at("scale"), `scale ${service.scale} and deploy.replicas ${replicas} disagree (set only one of them)`);
  }
  const count = replicaCount(service);
  if (service.container_name !== undefined && count > 1) {
    fail(at("container_name"), `container_name cannot be used with ${count} replicas (a container name is unique; remove it or run 1 replica)`);
  }
}

/** Keys that name another service of the project: `service:<name>` namespaces, volumes_from and links. */
function checkServiceReferences(service: Service, project: Project, at: At, fail: Fail): void {
  const known = (other: string) => Object.hasOwn(project.services, other);
  for (const key of ["network_mode", "ipc", "pid", "uts", "cgroup"] as const) {
    const mode = service[key];
    if (mode?.startsWith("service:") && !known(mode.slice("service:".length))) {
      fail(at(key), `refers to undefined service "${mode.slice("service:".length)}"`);
    }
  }
  service.volumes_from?.forEach((source, i) => {
    const other = source.split(":")[0]!;
    if (other !== "container" && !known(other)) fail(at("volumes_from", i), `refers to undefined service "${other}"`);
  });
  service.links?.forEach((link, i) => {
    const other = link.split(":")[0]!;
    if (!known(other)) fail(at("links", i), `refers to undefined service "${other}"`);
  });
}

function checkResourceReferences(service: Service, project: Project, at: At, fail: Fail): void {
  const undefinedAt = (kind: keyof typeof SINGULAR, key: string, path: Path) => {
    if (!Object.hasOwn(project[kind], key)) fail(path, `${SINGULAR[kind]} "${key}" is not defined at the top level`);
  };
  for (const network of Object.keys(service.networks ?? {})) undefinedAt("networks", network, at("networks", network));
  service.volumes?.forEach((mount, i) => {
    if (mount.type === "volume" && mount.source !== undefined) undefinedAt("volumes", mount.source, at("volumes", i));
  });
  service.secrets?.forEach((secret, i) => undefinedAt("secrets", secret.source, at("secrets", i)));
  service.configs?.forEach((config, i) => undefinedAt("configs", config.source, at("configs", i)));
  service.build?.secrets?.forEach((secret, i) => undefinedAt("secrets", secret.source, at("build", "secrets", i)));
}

/** Two mounts on one container path: the engine would refuse to create the container. */
function checkMountTargets(service: Service, at: At, fail: Fail): void {
  const first = new Map<string, number>();
  service.volumes?.forEach((mount, i) => {
    const earlier = first.get(mount.target);
    if (earlier !== undefined) fail(at("volumes", i), `${mount.target} is already mounted by volumes[${earlier}] (use one mount per container path)`);
    first.set(mount.target, i);
  });
}

/** A static IPv4 address must lie in one of the network's IPv4 subnets, which must therefore be configured. */
function checkStaticAddresses(service: Service, project: Project, at: At, fail: Fail): void {
  for (const [key, attachment] of Object.entries(service.networks ?? {})) {
    const address = attachment?.ipv4_address;
    const network = project.networks[key];
    if (address === undefined || network === undefined || network.external) continue;
    const path = at("networks", key, "ipv4_address");
    if (!parseIPv4(address)) fail(path, `invalid IPv4 address "${address}" (use e.g. "172.28.0.10")`);
    const subnets = ipv4Subnets(network);
    if (subnets.length === 0) fail(path, `a static address needs a subnet on network "${key}" (set networks.${key}.ipam.config[].subnet)`);
    if (!subnets.some((subnet) => ipInCIDR(address, subnet))) {
      fail(path, `${address} is outside the subnets of network "${key}" (${subnets.join(", ")})`);
    }
  }
}

function ipv4Subnets(network: NetworkDefinition): string[] {
  const subnets = (network.ipam?.config ?? []).map((pool) => pool.subnet).filter((subnet) => subnet !== undefined);
  return subnets.filter((subnet) => parseCIDR(subnet).family === 4);
}

/** Container names are global on the host: two services cannot both claim one. */
function checkContainerNames(project: Project, names: string[], fail: Fail): void {
  const owner = new Map<string, string>();
  for (const name of names) {
    const containerName = project.services[name]!.container_name;
    if (containerName === undefined) continue;
    const other = owner.get(containerName);
    if (other !== undefined) fail(["services", name, "container_name"], `container name "${containerName}" is already used by service "${other}"`);
    owner.set(containerName, name);
  }
}

interface Published {
  service: string;
  hostIP?: string;
}

/**
 * A host port (on one address and protocol) can be bound once. Ranges are left out: the engine picks a free
 * port in them.
 */
function checkPublishedPorts(project: Project, names: string[], fail: Fail): void {
  const bound = new Map<string, Published[]>();
  for (const name of names) {
    for (const port of project.services[name]!.ports ?? []) {
      if (port.published === undefined || port.published.includes("-")) continue;
      const key = `${port.published}/${port.protocol ?? "tcp"}`;
      const clash = bound.get(key)?.find((other) => overlaps(other.hostIP, port.host_ip));
      if (clash) {
        const where = port.host_ip === undefined ? "" : ` on ${port.host_ip}`;
        fail(["services", name, "ports"], `host port ${key}${where} is already published by service "${clash.service}"`);
      }
      bound.set(key, [...(bound.get(key) ?? []), { service: name, hostIP: port.host_ip }]);
    }
  }
}

/** Every replica binds the same fixed host port, so all but the first would fail to start. */
function warnReplicatedPorts(project: Project, names: string[], ctx: CheckContext): void {
  for (const name of names) {
    const service = project.services[name]!;
    const count = replicaCount(service);
    const fixed = (service.ports ?? []).find((port) => port.published !== undefined && !port.published.includes("-"));
    if (count > 1 && fixed) {
      const path = ["services", name, "ports"];
      const first = Number(fixed.published);
      const message = `${count} replicas cannot all publish host port ${first} (publish a range instead, e.g. "${first}-${first + count - 1}:${fixed.target}")`;
      ctx.warn({ message, loc: ctx.locate(path), path });
    }
  }
}

const replicaCount = (service: Service): number => service.scale ?? service.deploy?.replicas ?? 1;

/** No address means every address; 0.0.0.0 and :: mean every address of their family. */
function overlaps(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || a === b) return true;
  const isV4 = (ip: string) => parseIPv4(ip) !== undefined;
  if (a === "0.0.0.0" || b === "0.0.0.0") return isV4(a) && isV4(b);
  if (a === "::" || b === "::") return !isV4(a) && !isV4(b);
  return false;
}
