// Published ports: a container's PortBindings made reachable on the host's addresses, 127.0.0.1 included.
//
// How: berthd binds each host port itself (ports-socket.ts; that is how a port in use is detected, and it keeps
// the port berth's), and nftables DNAT sends the traffic to the container (ports-rules.ts). For 127.0.0.1 the
// kernel needs route_localnet on the container's bridge plus masquerading; dockerd's other way, a userland
// proxy per port, is not used because the kernel path
//  - is one mechanism for every source (other hosts, the host itself, 127.0.0.1, other containers), TCP and UDP
//    alike, with no copying through berthd and no per-client UDP sessions to track;
//  - keeps the source address of clients from other hosts;
//  - keeps working while berthd restarts: the rules stay in the kernel, only the held sockets go and come back.
// The price is the route_localnet sysctl, whose risk (containers sending to the host's 127.0.0.1) the `localnet`
// drop rule removes; it is set only on berth's own bridges while they have published ports.
//
// Crash safety, as in service.ts: a container's state file is written before its rules exist and deleted after
// they are gone, and `restore` rebuilds the whole table from the state files of the containers still running.
//   <root>/ports/containers/<container id>.json   PublishedRecord
//   <root>/ports/localnet/<bridge>                 berth turned route_localnet on there (and must turn it off)
import { access, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../state/atomic.js";
import { conflict } from "../image/errors.js";
import { runNft, type Nft } from "./firewall.js";
import { DEFAULT_EPHEMERAL, PortAllocator, type Held } from "./ports-alloc.js";
import { setHairpin } from "./ports-hairpin.js";
import { PortRules } from "./ports-rules.js";
import { reservePort, type Reserve } from "./ports-socket.js";
import { planPorts, portMap, type Mapping, type PortMap, type PortRange, type PortRequest } from "./ports-spec.js";
import type { NetworkService } from "./service.js";
import { Slots } from "./slots.js";

export type { PortMap, PortRequest } from "./ports-spec.js";

/** Where a container's ports lead: its endpoint on the network that gives it its default route. */
export interface PublishTarget {
  /** The container's IPv4 address there. */
  address: string;
  /** That network's subnet ("10.20.0.0/24") and bridge. */
  subnet: string;
  bridge: string;
  /** The endpoint's veth on the bridge (EndpointRecord.HostInterface): put in hairpin mode (ports-hairpin.ts). */
  hostInterface?: string;
}

interface PublishedRecord {
  containerId: string;
  target: PublishTarget;
  exposed: string[];
  mappings: Mapping[];
}

interface Published {
  record: PublishedRecord;
  held: Held[];
}

export interface PortPublisherOptions {
  /** berthd's state root; the publisher keeps its files under <root>/ports. */
  root: string;
  nft?: Nft;
  reserve?: Reserve;
  /** Ephemeral host ports; default: the kernel's ip_local_port_range, as dockerd does. */
  ephemeral?: PortRange;
}

export interface RestoreReport {
  /** Containers whose ports are published again. */
  restored: string[];
  /** Containers gone while berthd was down, whose rules and state were removed. */
  removed: string[];
  /** Ports still published (their rules stayed) that another program bound meanwhile. */
  warnings: string[];
}

const CONTAINER_ID = /^[0-9a-f]{64}$/;
/** A Linux interface name, as service.ts allows for bridges; "." and ".." are not one. */
const INTERFACE_NAME = /^(?!\.\.?$)[A-Za-z0-9_.-]{1,15}$/;

export class PortPublisher {
  private readonly published = new Map<string, Published>();
  /** All changes run one at a time: allocation, the state files and the table must agree. */
  private readonly serial = new Slots(1);

  private constructor(
    private readonly containersDir: string,
    private readonly localnetDir: string,
    private readonly rules: PortRules,
    private readonly allocator: PortAllocator,
  ) {}

  static async open(options: PortPublisherOptions): Promise<PortPublisher> {
    const dir = join(options.root, "ports");
    const publisher = new PortPublisher(
      join(dir, "containers"),
      join(dir, "localnet"),
      new PortRules(options.nft ?? runNft),
      new PortAllocator(options.reserve ?? reservePort, options.ephemeral ?? (await kernelEphemeralRange())),
    );
    await mkdir(publisher.containersDir, { recursive: true, mode: 0o700 });
    await mkdir(publisher.localnetDir, { recursive: true, mode: 0o700 });
    return publisher;
  }

  /**
   * Publishes the container's ports on the host and returns its NetworkSettings.Ports. Bad bindings throw
   * InvalidArgument, a port in use Conflict ("Bind for 0.0.0.0:8080 failed: port is already allocated");
   * either way nothing is left behind.
   */
  publish(containerId: string, target: PublishTarget, request: PortRequest): Promise<PortMap> {
    return this.serial.run(async () => {
      checkId(containerId);
      checkBridge(target.bridge);
      if (this.published.has(containerId)) throw conflict(`the ports of container ${containerId} are already published`);
      const { exposed, wanted } = planPorts(request);
      if (wanted.length === 0) return portMap(exposed, []);
      const held = await this.allocator.allocate(containerId, wanted);
      const record: PublishedRecord = { containerId, target, exposed, mappings: held.map((h) => h.mapping) };
      const firstOnBridge = !this.usesBridge(target.bridge);
      try {
        await writeFileAtomic(this.recordPath(containerId), JSON.stringify(record), 0o600);
        await this.rules.add(rulesOf(record), firstOnBridge ? target.bridge : undefined);
        if (firstOnBridge) await this.enableLocalnet(target.bridge);
        if (target.hostInterface) await setHairpin(target.hostInterface, true);
      } catch (err) {
        if (target.hostInterface) await setHairpin(target.hostInterface, false).catch(() => {});
        if (firstOnBridge) await this.disableLocalnet(target.bridge).catch(() => {});
        await this.rules.remove(rulesOf(record), firstOnBridge ? target.bridge : undefined, this.published.size === 0).catch(() => {});
        await rm(this.recordPath(containerId), { force: true });
        await this.allocator.release(containerId, held);
        throw err;
      }
      this.published.set(containerId, { record, held });
      return portMap(exposed, record.mappings);
    });
  }

  /** Takes the container's ports away again (it stopped or is being removed); not published is fine. */
  unpublish(containerId: string): Promise<void> {
    return this.serial.run(async () => {
      const entry = this.published.get(containerId);
      if (!entry) return;
      const { bridge } = entry.record.target;
      const lastOnBridge = ![...this.published.values()].some((p) => p !== entry && p.record.target.bridge === bridge);
      // Kernel first, state last (see the top of this file); the sysctl goes before the rule that guards it.
      if (entry.record.target.hostInterface) await setHairpin(entry.record.target.hostInterface, false);
      if (lastOnBridge) await this.disableLocalnet(bridge);
      await this.rules.remove(rulesOf(entry.record), lastOnBridge ? bridge : undefined, this.published.size === 1);
      await rm(this.recordPath(containerId), { force: true });
      this.published.delete(containerId);
      await this.allocator.release(containerId, entry.held);
    });
  }

  /** The NetworkSettings.Ports of a container with published ports. */
  ports(containerId: string): PortMap | undefined {
    const entry = this.published.get(containerId);
    return entry && portMap(entry.record.exposed, entry.record.mappings);
  }

  /**
   * After a berthd (re)start, before any publish: publishes again, on the same host ports, the ports of the
   * containers `isRunning` names, and removes the rules, state and sysctls of every other container.
   */
  restore(isRunning: (containerId: string) => boolean): Promise<RestoreReport> {
    return this.serial.run(async () => {
      if (this.published.size > 0) throw new Error("PortPublisher.restore must run before any publish");
      const report: RestoreReport = { restored: [], removed: [], warnings: [] };
      const live: PublishedRecord[] = [];
      for (const record of await this.records()) (isRunning(record.containerId) ? live : []).push(record);
      const bridges = [...new Set(live.map((r) => r.target.bridge))];
      const stale = (await readdir(this.localnetDir)).filter((b) => !bridges.includes(b));
      for (const bridge of stale) await this.disableLocalnet(bridge);
      await this.rules.rebuild(live.map(rulesOf), bridges);
      for (const bridge of bridges) {
        await this.enableLocalnet(bridge).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== "ENOENT") throw err;
          report.warnings.push(`bridge ${bridge} is gone: its containers' ports cannot be reached from 127.0.0.1`);
        });
      }
      for (const record of live) {
        if (record.target.hostInterface) await setHairpin(record.target.hostInterface, true);
        const { held, errors } = await this.allocator.retake(record.containerId, record.mappings);
        this.published.set(record.containerId, { record, held });
        report.restored.push(record.containerId);
        report.warnings.push(...errors.map((e) => `container ${record.containerId}: ${e}`));
      }
      for (const name of await readdir(this.containersDir)) {
        const containerId = name.replace(/\.json$/, "");
        if (this.published.has(containerId)) continue;
        await rm(join(this.containersDir, name), { force: true });
        if (CONTAINER_ID.test(containerId)) report.removed.push(containerId);
      }
      return report;
    });
  }

  private async records(): Promise<PublishedRecord[]> {
    const records: PublishedRecord[] = [];
    for (const name of await readdir(this.containersDir)) {
      // Temp files of an interrupted atomic write, or anything else, are not records.
      if (!CONTAINER_ID.test(name.replace(/\.json$/, "")) || !name.endsWith(".json")) continue;
      const record = JSON.parse(await readFile(join(this.containersDir, name), "utf8")) as PublishedRecord;
      checkBridge(record.target.bridge);
      records.push(record);
    }
    return records;
  }

  private usesBridge(bridge: string): boolean {
    return [...this.published.values()].some((p) => p.record.target.bridge === bridge);
  }

  /** Turns route_localnet on, remembering to turn it off, unless it was on already (then it is not berth's). */
  private async enableLocalnet(bridge: string): Promise<void> {
    const marker = join(this.localnetDir, bridge);
    if ((await readSysctl(bridge)) === "1" && !(await exists(marker))) return;
    await writeFile(marker, "");
    await writeSysctl(bridge, "1");
  }

  private async disableLocalnet(bridge: string): Promise<void> {
    checkBridge(bridge);
    const marker = join(this.localnetDir, bridge);
    if (!(await exists(marker))) return;
    // A bridge deleted meanwhile took its sysctl with it.
    await writeSysctl(bridge, "0").catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err;
    });
    await rm(marker, { force: true });
  }

  private recordPath(containerId: string): string {
    return join(this.containersDir, `${containerId}.json`);
  }
}

function rulesOf(record: PublishedRecord) {
  return { containerId: record.containerId, address: record.target.address, subnet: record.target.subnet, mappings: record.mappings };
}

function checkId(containerId: string): void {
  if (!CONTAINER_ID.test(containerId)) throw new Error(`not a container id: ${JSON.stringify(containerId)}`);
}

/** The bridge name becomes a /proc/sys path: it must be an interface name and nothing else. */
function checkBridge(bridge: string): void {
  if (!INTERFACE_NAME.test(bridge)) throw new Error(`not a bridge name: ${JSON.stringify(bridge)}`);
}

/** /proc/sys/net is the calling thread's network namespace: berthd's, where its bridges are. */
const sysctlPath = (bridge: string) => `/proc/sys/net/ipv4/conf/${bridge}/route_localnet`;

async function readSysctl(bridge: string): Promise<string> {
  return (await readFile(sysctlPath(bridge), "utf8")).trim();
}

async function writeSysctl(bridge: string, value: string): Promise<void> {
  await writeFile(sysctlPath(bridge), value);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function kernelEphemeralRange(): Promise<PortRange> {
  try {
    const [first, last] = (await readFile("/proc/sys/net/ipv4/ip_local_port_range", "utf8")).trim().split(/\s+/).map(Number);
    return first! > 0 && last! >= first! ? { first: first!, last: last! } : DEFAULT_EPHEMERAL;
  } catch {
    return DEFAULT_EPHEMERAL;
  }
}

/**
 * Where a container's ports lead: its endpoint on the first of `networkIds` (in connect order) that is not
 * internal, as dockerd publishes through the endpoint that gives the container its way out. Undefined when there
 * is none (host, none, container:<id>, internal networks only): then nothing is published, as in Docker.
 */
export function publishTarget(networks: NetworkService, containerId: string, networkIds: readonly string[]): PublishTarget | undefined {
  for (const id of networkIds) {
    const network = networks.list().find((n) => n.Id === id);
    const endpoint = network && !network.Internal ? networks.endpointsOf(id).find((e) => e.ContainerID === containerId) : undefined;
    if (network && endpoint) {
      return { address: endpoint.IPAddress, subnet: network.IPAM.Config[0]!.Subnet, bridge: network.BridgeName, hostInterface: endpoint.HostInterface };
    }
  }
  return undefined;
}
