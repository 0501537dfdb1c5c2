// The kernel side of published ports: nftables table `ip berth-ports`, apart from the network rules in
// `ip berth` (firewall.ts) so that each has its own life. Everything is data in a map and two sets, so
// publishing or unpublishing a container adds or deletes its elements and never touches a rule:
//  - `ports` maps host address . protocol . host port to container address . port, for DNAT both of traffic
//    arriving from elsewhere (prerouting) and of the host's own connections (output), 127.0.0.1 included;
//  - `masq` lists source . container pairs whose DNATed traffic needs the host's address as its source:
//    from 127.0.0.0/8 (a container cannot answer a loopback address), and from the container's own subnet
//    (hairpin: the reply would go straight back over the bridge, un-NATed);
//  - `localnet` lists the bridges with route_localnet=1 (ports.ts sets it: the kernel routes 127.0.0.1 traffic
//    out through them only then) and drops what a container sends them for 127.0.0.0/8, so that the sysctl
//    never opens the host's loopback services to containers.
// Each element carries its container's tag as a comment: the listing shows whose it is.
import type { Nft } from "./firewall.js";
import { ALL_ADDRESSES, type Mapping } from "./ports-spec.js";

const TABLE = "ip berth-ports";

const DEFINITION = `table ${TABLE} {
  map ports {
    type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service
    flags interval
  }
  set masq {
    type ipv4_addr . ipv4_addr
    flags interval
  }
  set localnet {
    type ifname
  }
  chain martians {
    type filter hook prerouting priority raw; policy accept;
    iifname @localnet ip daddr 127.0.0.0/8 drop
  }
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    meta l4proto { tcp, udp } fib daddr type local dnat ip to ip daddr . meta l4proto . th dport map @ports
  }
  chain output {
    type nat hook output priority -100; policy accept;
    meta l4proto { tcp, udp } fib daddr type local dnat ip to ip daddr . meta l4proto . th dport map @ports
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    ct status dnat ip saddr . ip daddr @masq masquerade
  }
}
`;

/** A container's share of the table. */
export interface PublishedRules {
  containerId: string;
  address: string;
  subnet: string;
  mappings: readonly Mapping[];
}

export class PortRules {
  /** Whether the table exists; unknown until first looked at. */
  private present?: boolean;

  constructor(private readonly nft: Nft) {}

  /** Adds a container's elements, plus `bridge` to `localnet` when given; creates the table if needed. */
  async add(rules: PublishedRules, bridge?: string): Promise<void> {
    const script = (await this.exists()) ? [] : [DEFINITION];
    script.push(...elements(rules).map(([set, element]) => `add element ${TABLE} ${set} { ${element} }`));
    if (bridge !== undefined) script.push(`add element ${TABLE} localnet { ${JSON.stringify(bridge)} }`);
    await this.nft(["-f", "-"], script.join("\n") + "\n");
    this.present = true;
  }

  /** Deletes a container's elements (and `bridge` from `localnet`); `last` takes the whole table away instead. */
  async remove(rules: PublishedRules, bridge: string | undefined, last: boolean): Promise<void> {
    if (!(await this.exists())) return;
    const script = last
      ? [`delete table ${TABLE}`]
      : elements(rules).map(([set, element]) => `delete element ${TABLE} ${set} { ${keyOf(element)} }`);
    if (!last && bridge !== undefined) script.push(`delete element ${TABLE} localnet { ${JSON.stringify(bridge)} }`);
    await this.nft(["-f", "-"], script.join("\n") + "\n");
    if (last) this.present = false;
  }

  /** Replaces the table by one holding exactly these containers and bridges, in one transaction; none: no table. */
  async rebuild(all: readonly PublishedRules[], bridges: readonly string[]): Promise<void> {
    // `add` first, so that the `delete` finds a table whether or not one was left.
    const script = [`add table ${TABLE}`, `delete table ${TABLE}`];
    if (all.length > 0) {
      script.push(DEFINITION);
      for (const rules of all) script.push(...elements(rules).map(([set, element]) => `add element ${TABLE} ${set} { ${element} }`));
      for (const bridge of bridges) script.push(`add element ${TABLE} localnet { ${JSON.stringify(bridge)} }`);
    }
    await this.nft(["-f", "-"], script.join("\n") + "\n");
    this.present = all.length > 0;
  }

  private async exists(): Promise<boolean> {
    this.present ??= (await this.nft(["list", "tables"])).split("\n").includes(`table ${TABLE}`);
    return this.present;
  }
}

/** Elements as `[set, text]`; text is `key comment "tag"` or `key comment "tag" : value`. */
function elements(rules: PublishedRules): [string, string][] {
  const comment = `comment ${JSON.stringify(tag(rules.containerId))}`;
  const found: [string, string][] = rules.mappings.map((m) => [
    "ports",
    `${m.hostIp === ALL_ADDRESSES ? "0.0.0.0/0" : m.hostIp} . ${m.proto} . ${m.hostPort} ${comment} : ${rules.address} . ${m.containerPort}`,
  ]);
  found.push(["masq", `127.0.0.0/8 . ${rules.address} ${comment}`], ["masq", `${rules.subnet} . ${rules.address} ${comment}`]);
  return found;
}

function keyOf(element: string): string {
  return element.slice(0, element.indexOf(" comment "));
}

export function tag(containerId: string): string {
  return `berth:${containerId.slice(0, 12)}`;
}
