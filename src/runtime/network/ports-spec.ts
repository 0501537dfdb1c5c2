// Published ports as Docker's API states them: HostConfig.PortBindings and PublishAllPorts with
// Config.ExposedPorts in, NetworkSettings.Ports out. Pure: what to bind is decided here, where in ports-alloc.ts.
import { invalid } from "../image/errors.js";
import { parseIPv4 } from "./cidr.js";

export type Protocol = "tcp" | "udp";

/** One entry of NetworkSettings.Ports / HostConfig.PortBindings. */
export interface PortBinding {
  HostIp: string;
  HostPort: string;
}

/** NetworkSettings.Ports: every exposed port ("80/tcp"), with its bindings or null when it is not published. */
export type PortMap = Record<string, PortBinding[] | null>;

/** The parts of a container's create request that say what to publish. */
export interface PortRequest {
  /** HostPort may come as a number from some clients. */
  PortBindings?: Record<string, Array<{ HostIp?: string; HostPort?: string | number }> | null> | null;
  PublishAllPorts?: boolean;
  /** Config.ExposedPorts, the image's EXPOSE merged in. */
  ExposedPorts?: Record<string, unknown> | null;
}

/** A container port to publish and where on the host. */
export interface WantedPort {
  proto: Protocol;
  containerPort: number;
  /** "0.0.0.0" stands for every address of the host. */
  hostIp: string;
  /** Host ports to take the first free one of; absent: an ephemeral port. */
  hostPorts?: PortRange;
}

export interface PortRange {
  first: number;
  last: number;
}

/** A binding made: host address and port to container port. */
export interface Mapping {
  proto: Protocol;
  hostIp: string;
  hostPort: number;
  containerPort: number;
}

export interface PortPlan {
  /** Every exposed port's key ("80/tcp"), sorted as Docker's JSON sorts them. */
  exposed: string[];
  wanted: WantedPort[];
}

export const ALL_ADDRESSES = "0.0.0.0";

/** Reads and checks what the request asks for; throws InvalidArgument with dockerd's wording. */
export function planPorts(request: PortRequest): PortPlan {
  const exposed = new Set<string>();
  const wanted: WantedPort[] = [];
  for (const key of Object.keys(request.ExposedPorts ?? {})) exposed.add(portKey(parsePortKey(key)));
  for (const [key, bindings] of Object.entries(request.PortBindings ?? {})) {
    const port = parsePortKey(key);
    exposed.add(portKey(port));
    for (const binding of bindings ?? []) {
      wanted.push({ ...port, hostIp: parseHostIp(binding.HostIp ?? "", key), ...hostPorts(String(binding.HostPort ?? "")) });
    }
  }
  if (request.PublishAllPorts) {
    // Docker publishes every exposed port that has no binding of its own on an ephemeral port.
    for (const key of exposed) {
      const port = parsePortKey(key);
      if (!wanted.some((w) => w.proto === port.proto && w.containerPort === port.containerPort)) wanted.push({ ...port, hostIp: ALL_ADDRESSES });
    }
  }
  return { exposed: [...exposed].sort(), wanted };
}

/** NetworkSettings.Ports for the exposed ports and the mappings made, in request order. */
export function portMap(exposed: readonly string[], mappings: readonly Mapping[]): PortMap {
  const map: PortMap = {};
  for (const key of exposed) map[key] = null;
  for (const m of mappings) {
    const key = portKey(m);
    (map[key] ??= []).push({ HostIp: m.hostIp, HostPort: String(m.hostPort) });
  }
  return map;
}

export function portKey(port: { containerPort: number; proto: Protocol }): string {
  return `${port.containerPort}/${port.proto}`;
}

/** "80/tcp", "53/udp" or "80" (tcp). */
function parsePortKey(key: string): { containerPort: number; proto: Protocol } {
  const slash = key.indexOf("/");
  const number = slash < 0 ? key : key.slice(0, slash);
  const proto = slash < 0 ? "tcp" : key.slice(slash + 1).toLowerCase();
  const containerPort = parsePortNumber(number);
  if (containerPort === undefined) throw invalid(`invalid port specification: ${JSON.stringify(number)}`);
  if (proto === "sctp") throw invalid(`cannot publish ${key}: berthd publishes tcp and udp ports only`);
  if (proto !== "tcp" && proto !== "udp") throw invalid(`invalid proto ${JSON.stringify(proto)} in port ${JSON.stringify(key)}: use tcp or udp`);
  return { containerPort, proto };
}

function parseHostIp(hostIp: string, key: string): string {
  if (hostIp === "") return ALL_ADDRESSES;
  if (parseIPv4(hostIp) !== undefined) return hostIp;
  if (hostIp.includes(":")) throw invalid(`cannot publish ${key} on ${hostIp}: berthd publishes ports on IPv4 host addresses only`);
  throw invalid(`invalid host IP address ${JSON.stringify(hostIp)} in the port binding for ${key}`);
}

/** "" and "0": an ephemeral port; "8080"; "8000-8010": the first free port of the range. */
function hostPorts(hostPort: string): { hostPorts?: PortRange } {
  if (hostPort === "" || hostPort === "0") return {};
  const dash = hostPort.indexOf("-");
  const first = parsePortNumber(dash < 0 ? hostPort : hostPort.slice(0, dash));
  const last = dash < 0 ? first : parsePortNumber(hostPort.slice(dash + 1));
  if (first === undefined || last === undefined || last < first) throw invalid(`invalid port specification: ${JSON.stringify(hostPort)}`);
  return { hostPorts: { first, last } };
}

function parsePortNumber(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}
