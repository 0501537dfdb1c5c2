// An endpoint: one veth pair joining a container's network namespace to a network's bridge. The container end
// is created directly inside the namespace, already named (eth0, eth1, ... in connect order), so it never
// appears on the host, not even briefly.
import { closeSync, openSync } from "node:fs";
import { parseIPv4 } from "./cidr.js";
import { Rtnl, unless } from "./netlink.js";

export interface EndpointSpec {
  /** The container's network namespace file. */
  netnsPath: string;
  bridgeIndex: number;
  /** The host end's name, unique on the host (see vethName). */
  hostName: string;
  address: string;
  prefixLength: number;
  gateway: string;
  mtu: number;
  /** The first network a container joins routes its default traffic. */
  defaultRoute: boolean;
  /** The container end's MAC; by default Docker's, derived from the address (macFor). */
  mac?: string;
}

export interface Endpoint {
  /** The interface name inside the container: eth0, eth1, ... */
  name: string;
  macAddress: string;
}

/** Docker's scheme: 02:42 and the four bytes of the address, so a MAC never changes while its address does not. */
export function macFor(address: string): string {
  const n = parseIPv4(address)!;
  return [0x02, 0x42, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].map((b) => b.toString(16).padStart(2, "0")).join(":");
}

/** `vb` plus 13 hex digits of the (random) endpoint id: 15 characters, the kernel's limit (IFNAMSIZ - 1). */
export function vethName(endpointId: string): string {
  return `vb${endpointId.slice(0, 13)}`;
}

/** Creates and configures the endpoint; on any failure, the half-made pair is deleted again. */
export async function connectEndpoint(host: Rtnl, spec: EndpointSpec): Promise<Endpoint> {
  const inside = Rtnl.openIn(spec.netnsPath);
  try {
    const name = nextInterfaceName((await inside.links()).map((l) => l.name));
    const mac = spec.mac ?? macFor(spec.address);
    const netnsFd = openSync(spec.netnsPath, "r");
    try {
      await host.createVeth(spec.hostName, spec.mtu, spec.bridgeIndex, { name, netnsFd, mac });
    } finally {
      closeSync(netnsFd);
    }
    try {
      const link = await inside.link(name);
      if (!link) throw new Error(`interface ${name} did not appear in ${spec.netnsPath}`);
      await inside.addAddress(link.index, spec.address, spec.prefixLength);
      await inside.setUp(link.index);
      if (spec.defaultRoute) await inside.addDefaultRoute(spec.gateway);
    } catch (err) {
      await disconnectEndpoint(host, spec.hostName);
      throw err;
    }
    return { name, macAddress: mac };
  } finally {
    inside.close();
  }
}

/** Deletes the pair by its host end (the kernel removes both ends); an endpoint already gone is fine. */
export async function disconnectEndpoint(host: Rtnl, hostName: string): Promise<void> {
  await host.deleteLink(hostName).catch(unless("ENODEV"));
}

/** The lowest ethN not in use, so a reconnect fills the gap a disconnect left. */
function nextInterfaceName(existing: readonly string[]): string {
  for (let n = 0; ; n++) if (!existing.includes(`eth${n}`)) return `eth${n}`;
}
