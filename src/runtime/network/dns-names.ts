// The names one network's DNS server knows: for each container attached to it, its address there and the names
// it answers to (Docker's DNSNames). Pure data; dns.ts serves it.

export interface DnsEntry {
  containerId: string;
  /** The container's IPv4 address on this network. */
  address: string;
  /** The names it answers to (its endpoint's DNSNames); the first is its container name, which PTR queries return. */
  names: string[];
}

/** A query name as the table compares it: DNS names are case-insensitive, and the root's trailing dot is optional. */
function canonical(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}

export class NameTable {
  /** By container id, in the order they were registered. */
  private readonly entries = new Map<string, DnsEntry>();
  /** Per name, how many answers it has had: replicas take turns at the head of the list. */
  private readonly turns = new Map<string, number>();

  constructor(readonly networkName: string) {}

  register(entry: DnsEntry): void {
    // A re-registered container goes to the end, as if it had just connected.
    this.entries.delete(entry.containerId);
    this.entries.set(entry.containerId, { ...entry, names: entry.names.map(canonical) });
  }

  unregister(containerId: string): void {
    for (const name of this.entries.get(containerId)?.names ?? []) this.turns.delete(name);
    this.entries.delete(containerId);
  }

  has(containerId: string): boolean {
    return this.entries.has(containerId);
  }

  /** The container at `address` on this network. */
  containerAt(address: string): string | undefined {
    for (const entry of this.entries.values()) if (entry.address === address) return entry.containerId;
    return undefined;
  }

  /**
   * Every address of a name, rotated by one on each call (round robin over replicas); undefined for a name the
   * network does not know. As in Docker, `name.<network name>` is the same as `name`.
   */
  lookup(name: string): string[] | undefined {
    const addresses = this.addresses(name);
    if (addresses.length === 0) return undefined;
    const key = canonical(name);
    const turn = this.turns.get(key) ?? 0;
    this.turns.set(key, turn + 1);
    const first = turn % addresses.length;
    return [...addresses.slice(first), ...addresses.slice(0, first)];
  }

  /** Whether the network knows the name (for queries of another type, answered empty rather than forwarded). */
  knows(name: string): boolean {
    return this.addresses(name).length > 0;
  }

  private addresses(name: string): string[] {
    const wanted = canonical(name);
    const suffix = `.${this.networkName.toLowerCase()}`;
    const bare = wanted.endsWith(suffix) ? wanted.slice(0, -suffix.length) : undefined;
    const found: string[] = [];
    for (const entry of this.entries.values()) {
      if (entry.names.includes(wanted) || (bare !== undefined && entry.names.includes(bare))) found.push(entry.address);
    }
    return found;
  }

  /** The name a PTR query for `address` gets: `<container name>.<network name>`, as Docker answers. */
  reverse(address: string): string | undefined {
    for (const entry of this.entries.values()) {
      if (entry.address === address && entry.names.length > 0) return `${entry.names[0]}.${this.networkName}`;
    }
    return undefined;
  }
}
