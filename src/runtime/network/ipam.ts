// IP address management: which subnet a network gets, and which address each of its endpoints gets.
// Allocations are symlinks (address → owner) in one directory per network: creating a symlink is atomic and
// fails when the name exists, so two endpoints can never hold one address, and whatever berthd had allocated
// when it died is still on disk for the next start to reconcile.
import { mkdir, readdir, readlink, rm, symlink, unlink } from "node:fs/promises";
import { join } from "node:path";
import { conflict, invalid } from "../image/errors.js";
import {
  contains, formatIPv4, formatSubnet, lastAddress, networkOf, overlaps, parseCidr, parseIPv4, subnetSize, within, type Subnet,
} from "./cidr.js";

/** Docker's `default-address-pools` entry: carve /`size` subnets out of `base`. */
export interface Pool {
  readonly base: string;
  readonly size: number;
}

/**
 * 4096 /24s in 10.16.0.0/12: clear of Docker (172.17.0.0/16 and up, 192.168.0.0/16), Podman (10.88.0.0/16,
 * 10.89.0.0/16 and up), nerdctl (10.4.0.0/24) and the documentation ranges test machines use.
 */
export const DEFAULT_POOLS: readonly Pool[] = [{ base: "10.16.0.0/12", size: 24 }];

/** A prefix that a new network must not overlap, and what holds it (for error messages). */
export interface UsedRange {
  readonly subnet: Subnet;
  /** `network "web"`, `host route 192.0.2.0/24`, ... */
  readonly holder: string;
  /** Only other networks block a subnet the user asked for; host routes only steer the automatic choice. */
  readonly kind: "network" | "host";
}

/** Docker's IPAM.Config entry, canonical: what a network record stores and inspect shows. */
export interface IpamConfigEntry {
  Subnet: string;
  Gateway: string;
  IPRange?: string;
  AuxiliaryAddresses?: Record<string, string>;
}

export type IpamRequest = Partial<IpamConfigEntry>;

/** The smallest network berth hands out addresses in: a gateway and at least one endpoint. */
const MAX_PREFIX = 30;

function subnetOption(what: string, text: string): Subnet {
  const cidr = parseCidr(text);
  if (!cidr) throw invalid(`invalid ${what} ${JSON.stringify(text)}: expected an IPv4 prefix such as 10.20.0.0/24`);
  const base = networkOf(cidr.address, cidr.prefix);
  if (base !== cidr.address) {
    throw invalid(`invalid ${what} ${text}: it has host bits set; did you mean ${formatSubnet({ base, prefix: cidr.prefix })}?`);
  }
  return { base, prefix: cidr.prefix };
}

function addressOption(what: string, text: string): number {
  const address = parseIPv4(text);
  if (address === undefined) throw invalid(`invalid ${what} ${JSON.stringify(text)}: expected an IPv4 address such as 10.20.0.1`);
  return address;
}

export function parsePool(pool: Pool): Subnet {
  const base = subnetOption("address pool base", pool.base);
  if (!Number.isInteger(pool.size) || pool.size < base.prefix || pool.size > MAX_PREFIX) {
    throw invalid(`invalid address pool ${pool.base} size ${pool.size}: expected a prefix length from ${base.prefix} to ${MAX_PREFIX}`);
  }
  return base;
}

/**
 * The first /size of the pools, in order, that overlaps nothing in `used`. Taken ranges are skipped whole,
 * so the search costs O(used · log used) however full the pools are.
 */
export function chooseSubnet(pools: readonly Pool[], used: readonly UsedRange[]): Subnet {
  const taken = used.map((u) => u.subnet).sort((a, b) => a.base - b.base);
  // The furthest end among taken[0..i], so one binary search finds any overlap, even with nested ranges.
  const reach: number[] = [];
  for (const s of taken) reach.push(Math.max(reach.at(-1) ?? -1, lastAddress(s)));
  for (const pool of pools) {
    const range = parsePool(pool);
    const step = subnetSize(pool.size);
    let candidate = range.base;
    while (candidate + step - 1 <= lastAddress(range)) {
      const blocker = firstReaching(reach, candidate);
      if (blocker === undefined || taken[blocker]!.base > candidate + step - 1) return { base: candidate, prefix: pool.size };
      // Jump past the blocking range, to the next aligned candidate.
      candidate = networkOf(lastAddress(taken[blocker]!), pool.size) + step;
    }
  }
  const where = pools.map((p) => `${p.base} (/${p.size})`).join(", ");
  throw conflict(
    `all address pools are in use: no free subnet left in ${where}; remove unused networks (docker network prune) ` +
      `or configure more address pools`,
  );
}

/** Index of the first taken range whose running end reaches `address`; taken ranges before it all end below it. */
function firstReaching(reach: readonly number[], address: number): number | undefined {
  let lo = 0;
  let hi = reach.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (reach[mid]! < address) lo = mid + 1;
    else hi = mid;
  }
  return lo < reach.length ? lo : undefined;
}

/**
 * A network's IPAM config from the user's request, with Docker's defaults: a subnet chosen from the pools,
 * the first host address as the gateway. User values are checked against each other and other networks.
 */
export function planIpam(request: IpamRequest | undefined, pools: readonly Pool[], used: readonly UsedRange[]): IpamConfigEntry {
  if (!request?.Subnet) {
    if (request?.Gateway || request?.IPRange || request?.AuxiliaryAddresses) {
      throw invalid("IPAM config: Gateway, IPRange and AuxiliaryAddresses need a Subnet to belong to");
    }
    return defaultEntry(chooseSubnet(pools, used));
  }
  const subnet = subnetOption("subnet", request.Subnet);
  if (subnet.prefix > MAX_PREFIX) throw invalid(`invalid subnet ${request.Subnet}: it must hold a gateway and an endpoint, so /${MAX_PREFIX} at most`);
  const clash = used.find((u) => u.kind === "network" && overlaps(u.subnet, subnet));
  if (clash) throw conflict(`subnet ${request.Subnet} overlaps with ${clash.holder} (${formatSubnet(clash.subnet)}); choose a subnet that overlaps no other network`);

  const entry = defaultEntry(subnet);
  const hostAddress = (what: string, text: string): string => {
    const address = addressOption(what, text);
    if (!contains(subnet, address)) throw invalid(`${what} ${text} is not in subnet ${request.Subnet}`);
    if (address === subnet.base || address === lastAddress(subnet)) {
      throw invalid(`${what} ${text} is the network or broadcast address of subnet ${request.Subnet}; choose a host address`);
    }
    return text;
  };
  if (request.Gateway) entry.Gateway = hostAddress("gateway", request.Gateway);
  if (request.IPRange) {
    const range = subnetOption("ip range", request.IPRange);
    if (!within(range, subnet)) throw invalid(`ip range ${request.IPRange} is not inside subnet ${request.Subnet}`);
    entry.IPRange = formatSubnet(range);
  }
  if (request.AuxiliaryAddresses && Object.keys(request.AuxiliaryAddresses).length > 0) {
    const aux: Record<string, string> = {};
    for (const [name, address] of Object.entries(request.AuxiliaryAddresses)) aux[name] = hostAddress(`auxiliary address ${name}`, address);
    entry.AuxiliaryAddresses = aux;
  }
  return entry;
}

function defaultEntry(subnet: Subnet): IpamConfigEntry {
  return { Subnet: formatSubnet(subnet), Gateway: formatIPv4(subnet.base + 1) };
}

/** Owners name endpoints and become file contents: keep them to characters that are safe anywhere. */
const OWNER = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** One network's endpoint addresses, persisted in `dir` (one symlink per allocated address). */
export class AddressAllocator {
  private readonly subnet: Subnet;
  private readonly range: Subnet;
  /** Never handed out: network, broadcast, gateway and auxiliary addresses. */
  private readonly reserved: ReadonlySet<number>;
  /**
   * Addresses this process is claiming right now: concurrent allocations (fifty containers started at once) skip
   * each other's instead of all trying the same lowest free one, which made them O(n²) failed claims.
   */
  private readonly claiming = new Set<number>();

  constructor(
    private readonly dir: string,
    readonly config: IpamConfigEntry,
  ) {
    this.subnet = subnetOption("subnet", config.Subnet);
    this.range = config.IPRange ? subnetOption("ip range", config.IPRange) : this.subnet;
    this.reserved = new Set([
      this.subnet.base,
      lastAddress(this.subnet),
      addressOption("gateway", config.Gateway),
      ...Object.values(config.AuxiliaryAddresses ?? {}).map((a) => addressOption("auxiliary address", a)),
    ]);
  }

  get prefixLength(): number {
    return this.subnet.prefix;
  }

  /** Allocates `wanted` (a static address) or the lowest free address of the range to `owner`. */
  async allocate(owner: string, wanted?: string): Promise<string> {
    if (!OWNER.test(owner)) throw new Error(`invalid address owner ${JSON.stringify(owner)}`);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    if (wanted !== undefined) return this.allocateStatic(owner, wanted);
    const held = new Set(await readdir(this.dir));
    for (let address = this.range.base; address <= lastAddress(this.range); address++) {
      if (this.reserved.has(address) || this.claiming.has(address) || held.has(formatIPv4(address))) continue;
      // Another allocation may have taken it since the listing: then simply try the next one.
      if (await this.claim(address, owner)) return formatIPv4(address);
    }
    throw conflict(`no free IP address left in ${this.config.IPRange ? `ip range ${this.config.IPRange}` : `subnet ${this.config.Subnet}`}`);
  }

  private async allocateStatic(owner: string, wanted: string): Promise<string> {
    const address = addressOption("IPv4 address", wanted);
    if (!contains(this.subnet, address)) throw invalid(`IPv4 address ${wanted} is not in the network's subnet ${this.config.Subnet}`);
    if (this.reserved.has(address)) {
      throw invalid(`IPv4 address ${wanted} is reserved in subnet ${this.config.Subnet} (network, broadcast, gateway or auxiliary address)`);
    }
    if (!(await this.claim(address, owner))) {
      const holder = await this.ownerOf(wanted);
      throw conflict(`IPv4 address ${wanted} is already in use${holder ? ` by endpoint ${holder}` : ""}; choose another address or leave it unset`);
    }
    return wanted;
  }

  private async claim(address: number, owner: string): Promise<boolean> {
    this.claiming.add(address);
    try {
      await symlink(owner, join(this.dir, formatIPv4(address)));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw err;
    } finally {
      this.claiming.delete(address);
    }
  }

  private async ownerOf(address: string): Promise<string | undefined> {
    return readlink(join(this.dir, address)).catch(() => undefined);
  }

  /** Frees `address` if `owner` holds it; a stale release can never free someone else's address. */
  async release(address: string, owner: string): Promise<void> {
    if ((await this.ownerOf(address)) === owner) await unlink(join(this.dir, address)).catch(ignoreMissing);
  }

  /** Every allocated address and its owner. */
  async allocations(): Promise<Map<string, string>> {
    const names = await readdir(this.dir).catch((err: NodeJS.ErrnoException) => (err.code === "ENOENT" ? [] : Promise.reject(err)));
    const entries = await Promise.all(names.map(async (name) => [name, await this.ownerOf(name)] as const));
    return new Map(entries.filter((e): e is readonly [string, string] => e[1] !== undefined));
  }

  /** After a crash: frees every address whose owner no longer exists. Returns the freed addresses. */
  async reconcile(isLive: (owner: string) => boolean): Promise<string[]> {
    const freed: string[] = [];
    for (const [address, owner] of await this.allocations()) {
      if (isLive(owner)) continue;
      await this.release(address, owner);
      freed.push(address);
    }
    return freed;
  }

  /** Forgets every allocation (the network is gone). */
  async destroy(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

function ignoreMissing(err: NodeJS.ErrnoException): void {
  if (err.code !== "ENOENT") throw err;
}
