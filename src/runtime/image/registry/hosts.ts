// Which URLs serve a registry: mirrors first for docker.io, then the origin; plain HTTP only for loopback and
// registries the daemon config calls insecure, HTTPS for everything else.
import { BlockList, isIPv4 } from "node:net";
import { DEFAULT_DOMAIN } from "../reference.js";

export interface RegistryConfig {
  /** Base URLs tried before Docker Hub, in order (daemon.json `registry-mirrors`). */
  mirrors: string[];
  /** host[:port] or IPv4 CIDR entries reachable over plain HTTP (daemon.json `insecure-registries`). */
  insecure: string[];
}

export interface Endpoint {
  /** `https://registry-1.docker.io`, `http://127.0.0.1:5000`: the base the /v2/ paths go under. */
  url: string;
  mirror: boolean;
}

/** Docker Hub's registry API lives on another host than its name. */
const DOCKER_HUB_ORIGIN = "https://registry-1.docker.io";

export function endpointsFor(domain: string, config: RegistryConfig): Endpoint[] {
  if (domain === DEFAULT_DOMAIN) {
    return [...config.mirrors.map((url) => ({ url: url.replace(/\/+$/, ""), mirror: true })), { url: DOCKER_HUB_ORIGIN, mirror: false }];
  }
  return [{ url: `${plainHttpAllowed(domain, config) ? "http" : "https"}://${domain}`, mirror: false }];
}

/** Whether `host` (host[:port] as in an image reference or URL) may be spoken to without TLS. */
export function plainHttpAllowed(host: string, config: RegistryConfig): boolean {
  const name = host.replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1");
  if (name === "localhost" || name === "::1" || (isIPv4(name) && name.startsWith("127."))) return true;
  for (const entry of config.insecure) {
    if (entry === host || entry === name) return true;
    const [network, bits] = entry.split("/");
    if (bits !== undefined && isIPv4(network!) && isIPv4(name)) {
      const list = new BlockList();
      list.addSubnet(network!, Number(bits), "ipv4");
      if (list.check(name, "ipv4")) return true;
    }
  }
  return false;
}
