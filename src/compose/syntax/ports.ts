// Service ports: Docker's short syntax `[[IP:]HOST:]CONTAINER[/PROTOCOL]` and the long syntax, as compose-go reads them.
import { ValueError } from "../errors.js";
import type { Dict } from "../parse.js";
import { isIP } from "./net.js";

export interface PortConfig {
  name?: string;
  mode?: string;
  host_ip?: string;
  target: number;
  /** a port or a range ("8080-8081"), kept as text like compose-go does */
  published?: string;
  protocol?: string;
  app_protocol?: string;
}

const PROTOCOLS = ["tcp", "udp", "sctp"];
const MODES = ["ingress", "host"];

interface PortRange {
  start: number;
  end: number;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) throw new ValueError(`invalid port "${text}" (ports are 1-65535)`);
  return port;
}

function parseRange(text: string): PortRange {
  const [first, last, extra] = text.split("-");
  if (extra !== undefined) throw new ValueError(`invalid port range "${text}" (use e.g. "8000-8010")`);
  const start = parsePort(first);
  const end = last === undefined ? start : parsePort(last);
  if (end < start) throw new ValueError(`invalid port range "${text}" (the first port must not be above the last)`);
  return { start, end };
}

/** Splits `[IP:][HOST:]CONTAINER` from the right, so an unbracketed IPv6 address keeps its colons. */
function splitSpec(spec: string): { ip: string; host: string; container: string } {
  const parts = spec.split(":");
  const container = parts.pop() ?? "";
  const host = parts.pop() ?? "";
  return { ip: parts.join(":"), host, container };
}

function parseHostIP(ip: string): string {
  const bare = ip.startsWith("[") && ip.endsWith("]") ? ip.slice(1, -1) : ip;
  if (!isIP(bare)) throw new ValueError(`invalid host IP "${ip}" (use e.g. "127.0.0.1" or "[::1]")`);
  return bare;
}

function parseProtocol(text: string): string {
  const protocol = text.toLowerCase();
  if (!PROTOCOLS.includes(protocol)) throw new ValueError(`invalid protocol "${text}" (use tcp, udp or sctp)`);
  return protocol;
}

/** Short syntax → one entry per container port, ranges expanded, as compose-go's `ParsePortConfig`. */
export function parsePortSpec(spec: string | number): PortConfig[] {
  const text = String(spec);
  const { ip, host, container: containerAndProtocol } = splitSpec(text);
  const slash = containerAndProtocol.indexOf("/");
  const container = slash < 0 ? containerAndProtocol : containerAndProtocol.slice(0, slash);
  const protocolText = slash < 0 ? "" : containerAndProtocol.slice(slash + 1);
  if (container === "") throw new ValueError(`no container port in "${text}" (use e.g. "8080:80" or "80/udp")`);
  const protocol = protocolText === "" ? "tcp" : parseProtocol(protocolText);
  const hostIP = ip === "" ? undefined : parseHostIP(ip);
  const targets = parseRange(container);
  const published = host === "" ? undefined : parseRange(host);

  const single = targets.start === targets.end;
  // A host range onto a single container port means "any free port of the range".
  if (published && !single && published.end - published.start !== targets.end - targets.start) {
    throw new ValueError(`port ranges "${host}" and "${container}" differ in size (use ranges of equal size, or a host range onto one container port)`);
  }
  const publishedFor = (target: number): string | undefined => {
    if (!published) return undefined;
    return single ? host : String(published.start + target - targets.start);
  };

  const ports: number[] = [];
  for (let port = targets.start; port <= targets.end; port++) ports.push(port);
  // The default sort compares as text: compose-go orders entries by their "port/protocol" key, so 100 comes before 99.
  return ports.sort().map((target) => {
    const publishedPort = publishedFor(target);
    return {
      mode: "ingress",
      ...(hostIP !== undefined && { host_ip: hostIP }),
      target,
      ...(publishedPort !== undefined && { published: publishedPort }),
      protocol,
    };
  });
}

/** Absent, null and "" all mean "not set", as compose-go's omitempty fields do. */
function optionalString(port: Dict, key: string): string | undefined {
  const value = port[key];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw new ValueError(`${key} must be a string`);
  return value;
}

/** Long syntax: checks every field and fills compose-go's defaults (protocol tcp, mode ingress). */
export function checkPortConfig(port: Dict): PortConfig {
  if (port.target === undefined || port.target === null) throw new ValueError(`target is required (the port inside the container, e.g. 80)`);
  const target = parsePort(String(port.target));
  const published = typeof port.published === "number" ? String(port.published) : optionalString(port, "published");
  if (published !== undefined) parseRange(published);
  const hostIP = optionalString(port, "host_ip");
  const mode = optionalString(port, "mode") ?? "ingress";
  if (!MODES.includes(mode)) throw new ValueError(`invalid mode "${mode}" (use ingress or host)`);
  const name = optionalString(port, "name");
  const appProtocol = optionalString(port, "app_protocol");
  return {
    ...(name !== undefined && { name }),
    mode,
    ...(hostIP !== undefined && { host_ip: parseHostIP(hostIP) }),
    target,
    ...(published !== undefined && { published }),
    protocol: parseProtocol(optionalString(port, "protocol") ?? "tcp"),
    ...(appProtocol !== undefined && { app_protocol: appProtocol }),
  };
}
