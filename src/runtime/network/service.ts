// Networks as berthd serves them: create/remove/list, and connect/disconnect of container namespaces.
// Crash safety comes from the order of steps: state is written before the kernel object it describes is made,
// and a kernel object is deleted before its state. So whatever berthd was doing when it died, the next start
// finds state for every bridge and veth, and finishes or undoes the rest in `open`.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { log } from "../../engine/log.js";
import { conflict, invalid, notFound } from "../image/errors.js";
import { parseCidr } from "./cidr.js";
import { ensureBridge, reapRetiredBridges, removeBridge, retireBridge } from "./bridge.js";
import { dnsEntry, dnsNetwork, type DnsServer } from "./dns.js";
import type { Firewall, FirewalledNetwork } from "./firewall.js";
import { connectEndpoint, disconnectEndpoint, macFor, vethName } from "./endpoint.js";
import { hostRanges } from "./host-ranges.js";
import { AddressAllocator, DEFAULT_POOLS, planIpam, type IpamRequest, type Pool, type UsedRange } from "./ipam.js";
import { Rtnl } from "./netlink.js";
import { isNetns } from "./netns.js";
import { Slots } from "./slots.js";
import { findNetwork, NetworkStore, type EndpointRecord, type NetworkRecord } from "./store.js";

/** Docker's POST /networks/create body. */
export interface NetworkCreateRequest {
  Name?: string;
  CheckDuplicate?: boolean;
  Driver?: string;
  Scope?: string;
  EnableIPv4?: boolean;
  EnableIPv6?: boolean;
  IPAM?: { Driver?: string; Config?: IpamRequest[]; Options?: Record<string, string> };
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  ConfigOnly?: boolean;
  ConfigFrom?: { Network: string };
  Options?: Record<string, string>;
  Labels?: Record<string, string>;
}

export interface ConnectRequest {
  containerId: string;
  containerName: string;
  /** The container's network namespace file (netns.ts). */
  netnsPath: string;
  /** A static address (EndpointConfig.IPAMConfig.IPv4Address). */
  ipv4Address?: string;
  aliases?: string[];
  /** Every name the endpoint answers to on this network (container name, short id, hostname, service, aliases). */
  dnsNames?: string[];
  /** EndpointConfig.MacAddress; Docker's 02:42 and the address otherwise. */
  macAddress?: string;
}

/** What a container's NetworkSettings.Networks[name] shows. */
export interface EndpointSettings {
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  MacAddress: string;
  Aliases: string[];
  DNSNames: string[];
}

export type NetworkEvent = "create" | "destroy" | "connect" | "disconnect";
export type NetworkEvents = (action: NetworkEvent, network: NetworkRecord, attributes?: Record<string, string>) => void;

export interface NetworkServiceOptions {
  root: string;
  /** rtnetlink in the namespace the bridges live in: the host's, or a test's throwaway one. */
  rtnl: Rtnl;
  pools?: readonly Pool[];
  /** Its nameservers are kept out of every subnet berth chooses. */
  resolvConf?: string;
  events?: NetworkEvents;
  /** Isolation, masquerading and the FORWARD-drop workaround; without one, bridges get no rules at all. */
  firewall?: Firewall;
  /**
   * Turns on IPv4 forwarding (net.ipv4.ip_forward) in the namespace the bridges live in, before the first
   * non-internal bridge: berthd's own namespace. In-process tests leave it out, so they never touch the host's.
   */
  enableForwarding?: () => Promise<void>;
  /** Service-name DNS on each user network's gateway; without one, no network resolves names. */
  dns?: DnsServer;
}

/** An operation Docker refuses with 403: on the predefined network. */
export class ForbiddenError extends Error {
  override name = "ForbiddenError";
}

export const DEFAULT_NETWORK = "bridge";
const PREDEFINED = ["bridge", "host", "none"];
export const MTU_OPTION = "com.docker.network.driver.mtu";
export const BRIDGE_NAME_OPTION = "com.docker.network.bridge.name";
const DEFAULT_BRIDGE_OPTION = "com.docker.network.bridge.default_bridge";
const DEFAULT_MTU = 1500;
/** Key prefix of the work removed networks finish after their answer, among `disconnecting`. */
const REMOVAL = "removal:";
const NETWORK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** Linux interface names: at most 15 bytes, no slash, colon or whitespace. */
const INTERFACE_NAME = /^[A-Za-z0-9_.-]{1,15}$/;

export class NetworkService {
  private readonly networks = new Map<string, NetworkRecord>();
  /** Network id → container id → endpoint. */
  private readonly endpoints = new Map<string, Map<string, EndpointRecord>>();
  private readonly allocators = new Map<string, AddressAllocator>();
  /** Per namespace file, the last connect into it: ethN names are picked in order, never twice. */
  private readonly namespaceQueues = new Map<string, Promise<unknown>>();
  /** Connects under way, by `<network id>/<container id>`: they count as endpoints until they finish. */
  private readonly connecting = new Map<string, { containerId: string; defaultRoute: boolean }>();
  /**
   * Disconnects under way, by `<network id>/<container id>`: the kernel's veth delete takes ~20 ms, which a container's
   * removal need not wait for; its reconnect, the rest of its network's removal and shutdown do. Likewise what removed
   * networks finish after their answer (rules, bridge, record), by `removal:<network id>`, which the next network
   * create and shutdown wait for.
   */
  private readonly disconnecting = new Map<string, Promise<void>>();
  /** Removed networks whose rules and bridge are still being deleted: a subnet chosen meanwhile goes around theirs. */
  private readonly removing = new Map<string, NetworkRecord>();
  /**
   * Per network, its firewall rules and forwarding being made or made: a create answers before they are (nft's
   * transaction takes ~5 ms), and a connect waits for them. A failed attempt is dropped, so the next connect retries.
   */
  private readonly firewalls = new Map<string, Promise<void>>();
  /** Creates and removes run one at a time: a subnet is chosen against the networks that exist. */
  private readonly serial = new Slots(1);

  private constructor(
    private readonly store: NetworkStore,
    private readonly rtnl: Rtnl,
    private readonly pools: readonly Pool[],
    private readonly resolvConf: string,
    private readonly events: NetworkEvents,
    private readonly firewall: Firewall | undefined,
    private readonly enableForwarding: (() => Promise<void>) | undefined,
    private readonly dns: DnsServer | undefined,
  ) {}

  /** Loads the networks, repairs what a crash left half-done, and creates the default `bridge` network. */
  static async open(options: NetworkServiceOptions): Promise<NetworkService> {
    const service = new NetworkService(
      new NetworkStore(options.root),
      options.rtnl,
      options.pools ?? DEFAULT_POOLS,
      options.resolvConf ?? "/etc/resolv.conf",
      options.events ?? (() => {}),
      options.firewall,
      options.enableForwarding,
      options.dns,
    );
    await reapRetiredBridges(options.rtnl);
    for (const record of await service.store.networks()) {
      if (record.Removing) await service.finishRemoval(record);
      else await service.recover(record);
    }
    if (![...service.networks.values()].some((n) => n.Name === DEFAULT_NETWORK)) {
      await service.serial.run(() => service.add({ Name: DEFAULT_NETWORK, Options: { [DEFAULT_BRIDGE_OPTION]: "true" } }, true));
    }
    return service;
  }

  private async recover(record: NetworkRecord): Promise<void> {
    this.networks.set(record.Id, record);
    await this.makeBridge(record);
    const live = new Map<string, EndpointRecord>();
    for (const endpoint of await this.store.endpoints(record.Id)) {
      if (await this.complete(endpoint)) {
        live.set(endpoint.ContainerID, endpoint);
        continue;
      }
      await disconnectEndpoint(this.rtnl, endpoint.HostInterface);
      await this.store.removeEndpoint(record.Id, endpoint.ContainerID);
    }
    this.endpoints.set(record.Id, live);
    // The resolver keeps nothing across a restart: it learns the network and its endpoints again here.
    await this.serveDns(record);
    for (const endpoint of live.values()) this.dns?.register(record.Id, dnsEntry(endpoint));
    // Addresses allocated by a connect that died before writing its endpoint, or of endpoints just dropped.
    await this.allocator(record).reconcile((owner) => live.has(owner));
  }

  /**
   * Whether a connect finished: its veth exists (berthd may have died before making it, or the namespace went
   * away while berthd was down) and the container's end holds the address (it may have died in between).
   */
  private async complete(endpoint: EndpointRecord): Promise<boolean> {
    if (!(await this.rtnl.link(endpoint.HostInterface)) || !(await isNetns(endpoint.NetnsPath))) return false;
    const inside = Rtnl.openIn(endpoint.NetnsPath);
    try {
      return (await inside.addresses()).some((a) => a.address === endpoint.IPAddress);
    } finally {
      inside.close();
    }
  }

  /** The bridge and its firewall rules, as the record says; idempotent. Returns the bridge's index. */
  private async makeBridge(record: NetworkRecord): Promise<number> {
    const index = await this.ensureBridge(record);
    await this.firewallUp(record);
    return index;
  }

  private ensureBridge(record: NetworkRecord): Promise<number> {
    const { Subnet, Gateway } = record.IPAM.Config[0]!;
    return ensureBridge(this.rtnl, { name: record.BridgeName, gateway: Gateway, prefixLength: parseCidr(Subnet)!.prefix, mtu: record.Mtu });
  }

  /** The network's firewall rules and forwarding, made once (see `firewalls`). */
  private firewallUp(record: NetworkRecord): Promise<void> {
    const made = this.firewalls.get(record.Id);
    if (made) return made;
    const attempt = (async () => {
      await this.firewall?.addNetwork(firewalled(record));
      if (!record.Internal) await this.enableForwarding?.();
    })();
    this.firewalls.set(record.Id, attempt);
    attempt.catch(() => {
      if (this.firewalls.get(record.Id) === attempt) this.firewalls.delete(record.Id);
    });
    return attempt;
  }

  /** The bridge's index; rebuilt if someone deleted it behind berth's back. */
  private async bridgeIndex(record: NetworkRecord): Promise<number> {
    const link = await this.rtnl.link(record.BridgeName);
    return link?.kind === "bridge" ? link.index : this.makeBridge(record);
  }

  /** Starts the network's resolver on its gateway; the default `bridge` network has none (dnsNetwork). */
  private async serveDns(record: NetworkRecord): Promise<void> {
    const network = dnsNetwork(record);
    if (network) await this.dns?.serve(network);
  }

  private allocator(record: NetworkRecord): AddressAllocator {
    let allocator = this.allocators.get(record.Id);
    if (!allocator) {
      allocator = new AddressAllocator(join(this.store.ipamDir, record.Id), record.IPAM.Config[0]!);
      this.allocators.set(record.Id, allocator);
    }
    return allocator;
  }

  list(): NetworkRecord[] {
    return [...this.networks.values()];
  }

  get(ref: string): NetworkRecord {
    return findNetwork(this.networks.values(), ref);
  }

  endpointsOf(networkId: string): EndpointRecord[] {
    return [...(this.endpoints.get(networkId)?.values() ?? [])];
  }

  create(request: NetworkCreateRequest): Promise<NetworkRecord> {
    return this.serial.run(() => this.add(request, false));
  }

  /** `predefined`: the default network, which only berth itself creates, under a name users may not take. */
  private async add(request: NetworkCreateRequest, predefined: boolean): Promise<NetworkRecord> {
    // A removed network's subnet and bridge name are free once its rules and bridge are gone: a request that names
    // either waits for that; a subnet chosen for it goes around theirs (newRecord).
    if (request.Options?.[BRIDGE_NAME_OPTION] || request.IPAM?.Config?.some((c) => c.Subnet)) await this.disconnected(REMOVAL);
    const record = await this.newRecord(request, predefined);
    // Record first: a crash before the bridge exists leaves a record that `open` completes.
    await this.store.saveNetwork(record);
    try {
      await this.ensureBridge(record);
      await this.serveDns(record);
      // The default network is ready when berthd listens; a created one when its first connect needs it.
      if (predefined) await this.firewallUp(record);
      else this.firewallUp(record).catch((err: Error) => log("error", `network ${record.Name}: its firewall rules failed (its next connect retries): ${err.message}`));
    } catch (err) {
      await this.dns?.unserve(record.Id);
      await this.firewall?.removeNetwork(firewalled(record)).catch(() => {});
      await removeBridge(this.rtnl, record.BridgeName).catch(() => {});
      await this.store.removeNetwork(record.Id);
      throw err;
    }
    this.networks.set(record.Id, record);
    this.endpoints.set(record.Id, new Map());
    // As dockerd: the default network appears without an event.
    if (!predefined) this.events("create", record);
    return record;
  }

  private async newRecord(request: NetworkCreateRequest, predefined: boolean): Promise<NetworkRecord> {
    const name = request.Name ?? "";
    if (!NETWORK_NAME.test(name)) {
      throw invalid(`invalid network name ${JSON.stringify(name)}: use letters, digits, '_', '.' and '-', starting with a letter or digit`);
    }
    if (!predefined && PREDEFINED.includes(name)) throw new ForbiddenError(`${name} is a pre-defined network and cannot be created`);
    if ([...this.networks.values()].some((n) => n.Name === name)) throw conflict(`network with name ${name} already exists`);
    const driver = request.Driver || "bridge";
    if (driver !== "bridge") throw invalid(`network driver "${driver}" is not supported by berthd; the only driver is "bridge"`);
    if (request.Scope && request.Scope !== "local") throw invalid(`network scope "${request.Scope}" is not supported by berthd; the only scope is "local"`);
    if (request.Ingress || request.ConfigOnly || request.ConfigFrom) throw invalid("ingress and config-only networks are swarm features; berthd does not support them");
    if (request.IPAM?.Driver && request.IPAM.Driver !== "default") {
      throw invalid(`IPAM driver "${request.IPAM.Driver}" is not supported by berthd; the only IPAM driver is "default"`);
    }
    const configs = request.IPAM?.Config ?? [];
    if (configs.some((c) => c.Subnet?.includes(":"))) throw invalid("IPv6 subnets are not supported by berthd yet; give only an IPv4 subnet");
    if (configs.length > 1) throw invalid(`berthd supports one IPv4 subnet per network; ${configs.length} were given`);

    const options = { ...request.Options };
    const mtu = mtuOption(options[MTU_OPTION]);
    const id = randomBytes(32).toString("hex");
    const bridgeName = options[BRIDGE_NAME_OPTION] ?? `br-${id.slice(0, 12)}`;
    if (!INTERFACE_NAME.test(bridgeName)) {
      throw invalid(`invalid ${BRIDGE_NAME_OPTION} ${JSON.stringify(bridgeName)}: an interface name of 1 to 15 letters, digits, '_', '.' or '-'`);
    }
    const sameBridge = [...this.networks.values()].find((n) => n.BridgeName === bridgeName);
    if (sameBridge) throw conflict(`bridge ${bridgeName} is already used by network ${sameBridge.Name}; choose another ${BRIDGE_NAME_OPTION}`);
    if (predefined) options[BRIDGE_NAME_OPTION] = bridgeName;

    const used: UsedRange[] = [...this.networks.values()].map((n) => ({
      subnet: subnetOf(n), holder: `network ${JSON.stringify(n.Name)}`, kind: "network" as const,
    }));
    used.push(...(await hostRanges(this.rtnl, this.resolvConf)));
    // Only steering the automatic choice, as host routes do: a request for such a subnet waited for the removal.
    for (const n of this.removing.values()) used.push({ subnet: subnetOf(n), holder: `network ${JSON.stringify(n.Name)}, being removed`, kind: "host" });
    return {
      Id: id,
      Name: name,
      Created: new Date().toISOString(),
      Driver: "bridge",
      EnableIPv6: request.EnableIPv6 ?? false,
      Internal: request.Internal ?? false,
      Attachable: request.Attachable ?? false,
      IPAM: { Driver: "default", Config: [planIpam(configs[0], this.pools, used)], Options: { ...request.IPAM?.Options } },
      Options: options,
      Labels: { ...request.Labels },
      BridgeName: bridgeName,
      Mtu: mtu,
    };
  }

  /** Removes a network that no endpoint uses; `inUse` also counts containers that would join it on start. */
  remove(ref: string, inUse: (networkId: string) => boolean = () => false): Promise<void> {
    return this.serial.run(async () => {
      const record = this.get(ref);
      if (record.Options[DEFAULT_BRIDGE_OPTION] === "true") throw new ForbiddenError(`${record.Name} is a pre-defined network and cannot be removed`);
      // Endpoints being disconnected are out of the table already: their veths' deletes finish after the answer.
      const connecting = [...this.connecting.keys()].some((key) => key.startsWith(`${record.Id}/`));
      if (this.endpointsOf(record.Id).length > 0 || connecting || inUse(record.Id)) {
        throw new ForbiddenError(`error while removing network: network ${record.Name} id ${record.Id} has active endpoints`);
      }
      // Gone from lookups at once, so no connect can start on a network being dismantled.
      this.networks.delete(record.Id);
      try {
        // Out of service before the answer: no names, the bridge down and marked. The record says the removal is
        // under way, so that a crash before the rest is done leaves it for `open` to finish.
        await this.dns?.unserve(record.Id);
        await this.store.saveNetwork({ ...record, Removing: true });
        await retireBridge(this.rtnl, record.BridgeName);
      } catch (err) {
        // Still in service, as before the call.
        await this.store.saveNetwork(record).catch(() => {});
        await this.serveDns(record).catch(() => {});
        this.networks.set(record.Id, record);
        throw err;
      }
      // The rest after the answer: nft's deleting transaction alone takes ~15 ms, the bridge's delete 20 to 70.
      // The next create waits for it (a subnet is free again once its rules are gone), and so does shutdown.
      const key = `${REMOVAL}${record.Id}`;
      this.removing.set(record.Id, record);
      this.disconnecting.set(
        key,
        this.finishRemoval(record, this.endpoints.get(record.Id))
          .catch((err: Error) => log("error", `network ${record.Id}: finishing its removal failed (the next start retries): ${err.message}`))
          .finally(() => {
            this.disconnecting.delete(key);
            this.removing.delete(record.Id);
          }),
      );
      this.endpoints.delete(record.Id);
      this.events("destroy", record);
    });
  }

  /**
   * A removal's kernel work, then its state: its endpoints' disconnects (the veths go before the bridge), the
   * firewall rules, the retired bridge's delete, the record. A crash in between leaves the record marked, and
   * `open` calls this again; each step skips what is already gone.
   */
  private async finishRemoval(record: NetworkRecord, endpoints: ReadonlyMap<string, EndpointRecord> = new Map()): Promise<void> {
    await this.disconnected(`${record.Id}/`);
    // A disconnect that failed put its endpoint back in the table: its veth goes now.
    for (const endpoint of endpoints.values()) await disconnectEndpoint(this.rtnl, endpoint.HostInterface);
    this.allocators.delete(record.Id);
    // Rules still being made go once they are.
    await this.firewalls.get(record.Id)?.catch(() => {});
    this.firewalls.delete(record.Id);
    await this.firewall?.removeNetwork(firewalled(record));
    await removeBridge(this.rtnl, record.BridgeName);
    await this.store.removeNetwork(record.Id);
  }

  /** Connects a container's namespace; the first non-internal network becomes its default route. */
  async connect(ref: string, request: ConnectRequest): Promise<EndpointSettings> {
    const key = `${this.get(ref).Id}/${request.containerId}`;
    // A static address may be held by any endpoint being dismantled on the network: it is free once that is gone.
    await this.disconnected(request.ipv4Address ? `${this.get(ref).Id}/` : key);
    const record = this.get(ref);
    const endpoints = this.endpoints.get(record.Id)!;
    if (endpoints.has(request.containerId) || this.connecting.has(key)) {
      throw conflict(`endpoint with name ${request.containerName} already exists in network ${record.Name}`);
    }
    const defaultRoute = !record.Internal && !this.hasDefaultRoute(request.containerId);
    this.connecting.set(key, { containerId: request.containerId, defaultRoute });
    try {
      return await this.attach(record, request, defaultRoute);
    } finally {
      this.connecting.delete(key);
    }
  }

  private async attach(record: NetworkRecord, request: ConnectRequest, defaultRoute: boolean): Promise<EndpointSettings> {
    const endpoints = this.endpoints.get(record.Id)!;
    const allocator = this.allocator(record);
    const address = await allocator.allocate(request.containerId, request.ipv4Address);
    const { Gateway } = record.IPAM.Config[0]!;
    const endpointId = randomBytes(32).toString("hex");
    const endpoint: EndpointRecord = {
      NetworkID: record.Id,
      ContainerID: request.containerId,
      Name: request.containerName,
      EndpointID: endpointId,
      IPAddress: address,
      IPPrefixLen: allocator.prefixLength,
      Gateway,
      MacAddress: request.macAddress ?? macFor(address),
      Aliases: request.aliases ?? [],
      DNSNames: request.dnsNames ?? [],
      HostInterface: vethName(endpointId),
      NetnsPath: request.netnsPath,
      DefaultRoute: defaultRoute,
    };
    try {
      await this.store.saveEndpoint(endpoint);
      await this.firewallUp(record);
      const bridgeIndex = await this.bridgeIndex(record);
      const spec = {
        netnsPath: request.netnsPath, bridgeIndex, hostName: endpoint.HostInterface, address, prefixLength: endpoint.IPPrefixLen,
        gateway: Gateway, mtu: record.Mtu, defaultRoute, mac: endpoint.MacAddress,
      };
      await this.inNamespaceOrder(request.netnsPath, () => connectEndpoint(this.rtnl, spec));
    } catch (err) {
      await this.store.removeEndpoint(record.Id, request.containerId);
      await allocator.release(address, request.containerId);
      throw err;
    }
    // The endpoint's DNSNames answer on this network from here on.
    this.dns?.register(record.Id, dnsEntry(endpoint));
    endpoints.set(request.containerId, endpoint);
    this.events("connect", record, { container: request.containerId });
    return settings(endpoint);
  }

  private inNamespaceOrder<T>(netnsPath: string, operation: () => Promise<T>): Promise<T> {
    const result = (this.namespaceQueues.get(netnsPath) ?? Promise.resolve()).then(operation);
    const tail = result.catch(() => {});
    this.namespaceQueues.set(netnsPath, tail);
    void tail.then(() => {
      if (this.namespaceQueues.get(netnsPath) === tail) this.namespaceQueues.delete(netnsPath);
    });
    return result;
  }

  private hasDefaultRoute(containerId: string): boolean {
    return (
      [...this.endpoints.values()].some((byContainer) => byContainer.get(containerId)?.DefaultRoute) ||
      [...this.connecting.values()].some((c) => c.containerId === containerId && c.defaultRoute)
    );
  }

  async disconnect(ref: string, containerId: string): Promise<void> {
    const record = this.get(ref);
    const endpoints = this.endpoints.get(record.Id)!;
    const endpoint = endpoints.get(containerId);
    if (!endpoint) throw notFound(`container ${containerId} is not connected to network ${record.Name}`);
    // Out of the table first, so that a second disconnect racing this one finds nothing to do.
    endpoints.delete(containerId);
    this.dns?.unregister(record.Id, containerId);
    const key = `${record.Id}/${containerId}`;
    const done = (async () => {
      // Kernel object first, state last (see the top of this file).
      await disconnectEndpoint(this.rtnl, endpoint.HostInterface);
      await this.store.removeEndpoint(record.Id, containerId);
      await this.allocator(record).release(endpoint.IPAddress, containerId);
    })();
    this.disconnecting.set(key, done);
    try {
      await done;
    } catch (err) {
      endpoints.set(containerId, endpoint);
      this.dns?.register(record.Id, dnsEntry(endpoint));
      throw err;
    } finally {
      this.disconnecting.delete(key);
    }
    this.events("disconnect", record, { container: containerId });
  }

  /** Once the work done after answers is over: new networks' firewall rules, disconnects and removals (shutdown waits for it). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.firewalls.values()]);
    await this.disconnected();
  }

  /** Waits for the disconnects under way whose key starts with `prefix` (all of them by default); their failures are theirs. */
  private async disconnected(prefix = ""): Promise<void> {
    await Promise.allSettled([...this.disconnecting].filter(([key]) => key.startsWith(prefix)).map(([, done]) => done));
  }

  /** A container's endpoints, by network name: its NetworkSettings.Networks. */
  endpointsOfContainer(containerId: string): Map<string, EndpointSettings> {
    const found = new Map<string, EndpointSettings>();
    for (const [networkId, byContainer] of this.endpoints) {
      const endpoint = byContainer.get(containerId);
      if (endpoint) found.set(this.networks.get(networkId)!.Name, settings(endpoint));
    }
    return found;
  }

  /** Disconnects the container from every network (it ended, or is being removed). */
  async disconnectAll(containerId: string): Promise<void> {
    for (const [networkId, byContainer] of this.endpoints) {
      if (byContainer.has(containerId)) await this.disconnect(networkId, containerId);
    }
  }

  /** Ids of the containers that have an endpoint: at start, berthd drops those of containers not running. */
  containersWithEndpoints(): string[] {
    return [...new Set([...this.endpoints.values()].flatMap((byContainer) => [...byContainer.keys()]))];
  }
}

export function settings(endpoint: EndpointRecord): EndpointSettings {
  return {
    NetworkID: endpoint.NetworkID,
    EndpointID: endpoint.EndpointID,
    Gateway: endpoint.Gateway,
    IPAddress: endpoint.IPAddress,
    IPPrefixLen: endpoint.IPPrefixLen,
    MacAddress: endpoint.MacAddress,
    Aliases: endpoint.Aliases,
    DNSNames: endpoint.DNSNames,
  };
}

function firewalled(record: NetworkRecord): FirewalledNetwork {
  return { id: record.Id, bridge: record.BridgeName, subnet: record.IPAM.Config[0]!.Subnet, internal: record.Internal };
}

function subnetOf(record: NetworkRecord) {
  const { address, prefix } = parseCidr(record.IPAM.Config[0]!.Subnet)!;
  return { base: address, prefix };
}

function mtuOption(value: string | undefined): number {
  if (value === undefined) return DEFAULT_MTU;
  const mtu = Number(value);
  if (!/^\d+$/.test(value) || mtu < 68 || mtu > 65535) throw invalid(`invalid ${MTU_OPTION} ${JSON.stringify(value)}: an integer from 68 to 65535`);
  return mtu;
}
