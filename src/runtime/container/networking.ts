// A container's networks: which ones it joins (HostConfig.NetworkMode and NetworkingConfig.EndpointsConfig,
// checked at create, changed by connect/disconnect), the network namespace that holds their endpoints while it
// runs, and the NetworkSettings that inspect shows.
import type { EndpointsConfig, EndpointSettings as EndpointRequest, HostConfig } from "dockerode";
import { join } from "node:path";
import { createNetns, removeNetns } from "../network/netns.js";
import { DEFAULT_NETWORK, ForbiddenError, type ConnectRequest, type NetworkService } from "../network/service.js";
import type { PortMap } from "../network/ports.js";
import type { NetworkRecord } from "../network/store.js";
import { invalid } from "./errors.js";
import { shortId } from "./names.js";
import type { ContainerRecord, NetworkAttachment } from "./record.js";

/** The network namespace file of a container on bridge networks, in its directory: SandboxKey. */
export const netnsPath = (dir: string) => join(dir, "netns");

const SERVICE_LABEL = "com.docker.compose.service";
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** Modes in which the container has no endpoints of its own: the host's network, loopback only, another's. */
function sharedOrNone(mode: string): boolean {
  return mode === "host" || mode === "none" || mode.startsWith("container:");
}

/** What the API takes for one network, checked; `network` is where it goes (Docker refuses some on the default bridge). */
export function attachment(network: NetworkRecord, request: EndpointRequest = {}): NetworkAttachment {
  const address = request.IPAMConfig?.IPv4Address || undefined;
  const aliases = request.Aliases ?? [];
  const mac = request.MacAddress?.toLowerCase() || undefined;
  // A unicast address (the first byte's lowest bit clear), as the kernel requires of an interface.
  if (mac && !(MAC.test(mac) && (parseInt(mac.slice(0, 2), 16) & 1) === 0)) throw invalid(`invalid MAC address ${request.MacAddress}: give a unicast address such as 02:42:ac:11:00:02`);
  if (request.IPAMConfig?.IPv6Address) throw invalid("IPv6 addresses are not supported by berth yet; give only an IPv4 address");
  if (network.Name === DEFAULT_NETWORK && address) throw invalid("user specified IP address is supported on user defined networks only");
  if (network.Name === DEFAULT_NETWORK && aliases.length > 0) throw invalid("network-scoped alias is supported only for containers in user defined networks");
  return { NetworkID: network.Id, Aliases: aliases, ...(address && { IPv4Address: address }), ...(mac && { MacAddress: mac }) };
}

/**
 * The networks a new container joins, in order (the first routes its default traffic): NetworkMode's network
 * ("default" is `bridge`), then the other EndpointsConfig entries, as dockerd at API >= 1.44. Undefined for
 * host, none and container:<id>. An unknown network is refused here, before anything exists.
 */
export function planNetworks(networks: NetworkService, host: HostConfig, endpoints: EndpointsConfig = {}): NetworkAttachment[] | undefined {
  const mode = host.NetworkMode ?? "";
  const refs = Object.keys(endpoints);
  if (sharedOrNone(mode)) {
    // The docker CLI names the mode itself in EndpointsConfig.
    if (refs.some((ref) => ref !== mode)) {
      throw invalid(`conflicting options: network mode "${mode}" cannot be combined with other networks (${refs.filter((r) => r !== mode).join(", ")})`);
    }
    return undefined;
  }
  const primary = mode === "" || mode === "default" ? (refs.length > 0 ? undefined : DEFAULT_NETWORK) : mode;
  const ordered = primary === undefined || refs.includes(primary) ? refs : [primary, ...refs];
  const planned: NetworkAttachment[] = [];
  for (const ref of ordered) {
    // The docker CLI calls the default network "default" (its NetworkMode when no --network is given).
    const network = networks.get(ref === "default" ? DEFAULT_NETWORK : ref);
    if (planned.some((a) => a.NetworkID === network.Id)) continue; // named twice: by id and by name
    planned.push(attachment(network, endpoints[ref]));
  }
  return planned;
}

/** Refuses connect/disconnect on a container without networks of its own, with dockerd's messages. */
export function checkConnectable(record: ContainerRecord): void {
  const mode = record.HostConfig.NetworkMode ?? "";
  if (mode === "none") throw new ForbiddenError("container cannot be disconnected from host network or connected to host network");
  if (sharedOrNone(mode)) throw new ForbiddenError("container sharing network namespace with another container or host cannot be connected to any other network");
}

/** The names the container answers to on a network; the default bridge has no DNS, as Docker's. */
function dnsNames(network: NetworkRecord, record: ContainerRecord, aliases: string[]): string[] {
  if (network.Name === DEFAULT_NETWORK) return [];
  const service = record.Config.Labels[SERVICE_LABEL];
  return [...new Set([record.Name, shortId(record.Id), record.Config.Hostname, ...(service ? [service] : []), ...aliases])];
}

export function connectRequest(networks: NetworkService, record: ContainerRecord, netns: string, a: NetworkAttachment): ConnectRequest {
  return {
    containerId: record.Id,
    containerName: record.Name,
    netnsPath: netns,
    aliases: a.Aliases,
    dnsNames: dnsNames(networks.get(a.NetworkID), record, a.Aliases),
    ...(a.IPv4Address && { ipv4Address: a.IPv4Address }),
    ...(a.MacAddress && { macAddress: a.MacAddress }),
  };
}

/** Makes the container's namespace, empty but for loopback; returns its path. */
export async function makeNetns(dir: string): Promise<string> {
  const netns = netnsPath(dir);
  await createNetns(netns);
  return netns;
}

/** Connects the container's networks in its namespace, in order (eth0, eth1, ...); leaveNetworks undoes it. */
export async function connectNetworks(networks: NetworkService, record: ContainerRecord, netns: string): Promise<void> {
  for (const a of record.Networks ?? []) await networks.connect(a.NetworkID, connectRequest(networks, record, netns, a));
}

/**
 * Disconnects every endpoint and deletes the namespace; idempotent, so it also cleans what a crash left. Both at
 * once: `unbound` (the namespace file is gone, so its directory may go) need not wait for the kernel's veth deletes
 * (~20 ms each), which `done` includes; a veth the namespace takes along first counts as deleted.
 */
export function leaveNetworks(networks: NetworkService, containerId: string, dir: string): { unbound: Promise<void>; done: Promise<void> } {
  const unbound = removeNetns(netnsPath(dir));
  return { unbound, done: Promise.all([networks.disconnectAll(containerId), unbound]).then(() => undefined) };
}

/** A network's name by id; undefined for one that is gone. */
const nameOf = (networks: NetworkService, id: string) => networks.list().find((n) => n.Id === id)?.Name;

/** The container's live endpoints in connect order, with their network's name. */
function liveEndpoints(networks: NetworkService, record: ContainerRecord) {
  const live = networks.endpointsOfContainer(record.Id);
  return (record.Networks ?? []).flatMap((a) => {
    const name = nameOf(networks, a.NetworkID);
    const endpoint = name === undefined ? undefined : live.get(name);
    return endpoint ? [{ name: name!, endpoint }] : [];
  });
}

/** The container's addresses, for its /etc/hosts, and its DNS server: the first network's gateway, unless that is the default bridge (no DNS). */
export function addressesOf(networks: NetworkService, record: ContainerRecord): { addresses: string[]; nameserver?: string } {
  const endpoints = liveEndpoints(networks, record);
  const first = endpoints[0];
  return {
    addresses: endpoints.map((e) => e.endpoint.IPAddress),
    ...(first && first.name !== DEFAULT_NETWORK && { nameserver: first.endpoint.Gateway }),
  };
}

const EMPTY_ENDPOINT = {
  IPAMConfig: null, Links: null, Aliases: null, MacAddress: "", DriverOpts: null, NetworkID: "", EndpointID: "", Gateway: "",
  IPAddress: "", IPPrefixLen: 0, IPv6Gateway: "", GlobalIPv6Address: "", GlobalIPv6PrefixLen: 0, DNSNames: null,
};

/** Docker's NetworkSettings: every configured network, with its endpoint's addresses while the container runs. */
export function networkSettings(networks: NetworkService, record: ContainerRecord, dir: string, running: boolean, ports?: PortMap) {
  const mode = record.HostConfig.NetworkMode ?? "";
  const byName: Record<string, typeof EMPTY_ENDPOINT | Record<string, unknown>> = {};
  if (mode === "host" || mode === "none") byName[mode] = EMPTY_ENDPOINT;
  // A container that ended shows none while its endpoints are being dismantled, as after.
  const live = new Map(running ? liveEndpoints(networks, record).map((e) => [e.name, e.endpoint]) : []);
  for (const a of record.Networks ?? []) {
    const name = nameOf(networks, a.NetworkID);
    if (name === undefined) continue;
    const endpoint = live.get(name);
    byName[name] = {
      ...EMPTY_ENDPOINT,
      IPAMConfig: a.IPv4Address ? { IPv4Address: a.IPv4Address } : null,
      Aliases: a.Aliases.length > 0 ? a.Aliases : null,
      NetworkID: a.NetworkID,
      ...(endpoint && {
        EndpointID: endpoint.EndpointID, Gateway: endpoint.Gateway, IPAddress: endpoint.IPAddress, IPPrefixLen: endpoint.IPPrefixLen,
        MacAddress: endpoint.MacAddress, DNSNames: endpoint.DNSNames.length > 0 ? endpoint.DNSNames : null,
      }),
    };
  }
  const bridge = live.get(DEFAULT_NETWORK);
  return {
    Bridge: "",
    SandboxID: "",
    SandboxKey: running && record.Networks ? netnsPath(dir) : "",
    HairpinMode: false,
    LinkLocalIPv6Address: "",
    LinkLocalIPv6PrefixLen: 0,
    Ports: (running && ports) || {},
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: bridge?.EndpointID ?? "",
    Gateway: bridge?.Gateway ?? "",
    GlobalIPv6Address: "",
    GlobalIPv6PrefixLen: 0,
    IPAddress: bridge?.IPAddress ?? "",
    IPPrefixLen: bridge?.IPPrefixLen ?? 0,
    IPv6Gateway: "",
    MacAddress: bridge?.MacAddress ?? "",
    Networks: byName,
  };
}
