// nftables rules for bridge networks, in berth's own table `ip berth`:
//  - traffic within a network passes (br_netfilter sends bridged frames through the forward hook too);
//  - networks are isolated from each other (but reach each other's published ports through the host's address),
//    and an internal network reaches nothing outside itself;
//  - a container's outbound traffic is masqueraded unless its network is internal;
//  - from outside, only replies and published ports (connections DNATed by ports-rules.ts) reach a network.
// Each network's rules are three chains reached through verdict maps keyed by bridge name and subnet, so adding
// or removing a network touches only its own elements and chains.
//
// An accept in our table does not outrank a drop in another table: when iptables (say, left by dockerd) has
// `ip filter FORWARD` with policy drop, berth also inserts accept rules for its bridges there, tagged with a comment.
import { spawn } from "node:child_process";

/** Runs `nft` with `args`, feeding `script` on stdin; resolves with stdout, rejects with nft's message. */
export type Nft = (args: string[], script?: string) => Promise<string>;

export const runNft: Nft = (args, script) => nftProcess("nft", args, script);

/** Spawns an nft command line (`command` may be a wrapper such as nsenter); shared with tests. */
export function nftProcess(command: string, args: string[], script?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: [script === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk));
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk));
    child.once("error", (err: NodeJS.ErrnoException) =>
      reject(err.code === "ENOENT" ? new Error(`${command} is not installed; berth's bridge networks need nftables (apt-get install nftables)`) : err),
    );
    child.once("close", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`nft ${args.join(" ")}: ${stderr.trim()}`))));
    // nft may exit before reading all of its input; its exit status and stderr tell what went wrong.
    child.stdin?.on("error", () => {});
    child.stdin?.end(script);
  });
}

export interface FirewalledNetwork {
  id: string;
  bridge: string;
  subnet: string;
  internal: boolean;
}

const TABLE = "ip berth";

const BASE = `table ${TABLE} {
  set bridges { type ifname; }
  map from_bridge { type ifname : verdict; }
  map to_bridge { type ifname : verdict; }
  map outbound { type ipv4_addr : verdict; flags interval; }
  chain forward {
    type filter hook forward priority filter - 10; policy accept;
    iifname vmap @from_bridge
    oifname vmap @to_bridge
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr vmap @outbound
  }
}
`;

/** Chains named after the network: 12 hex digits keep them unique and short. */
const chains = (id: string) => ({ from: `from-${id.slice(0, 12)}`, to: `to-${id.slice(0, 12)}`, nat: `nat-${id.slice(0, 12)}` });
const tag = (id: string) => `berth:${id.slice(0, 12)}`;

/** The parts of `nft -j list ruleset` berth looks at. */
interface RulesetItem {
  chain?: { family: string; table: string; name: string; policy?: string };
  rule?: { family: string; table: string; chain: string; handle: number; comment?: string };
}

/** What the ruleset holds for berth, read in one listing. */
interface Snapshot {
  /** The chains of berth's table; undefined when there is no table. */
  berthChains?: string[];
  /** iptables' FORWARD chain has policy drop (it ends our accepts, as any drop in any table would). */
  forwardDrops: boolean;
  /** Handles of our accept rules in iptables' FORWARD chain, by tag. */
  forwardRules: Map<string, number[]>;
}

export class Firewall {
  private base?: Promise<void>;

  constructor(private readonly nft: Nft = runNft) {}

  /** Adds (or re-adds, after a crash) the network's rules; idempotent. */
  async addNetwork(n: FirewalledNetwork): Promise<void> {
    await this.ensureBase();
    const { from, to, nat } = chains(n.id);
    const bridge = JSON.stringify(n.bridge);
    // One transaction: all of a network's rules exist, or none. `add` + `flush` makes a re-add replace, not duplicate.
    const script = [
      `add element ${TABLE} bridges { ${bridge} }`,
      `add chain ${TABLE} ${from}`,
      `flush chain ${TABLE} ${from}`,
      `add rule ${TABLE} ${from} oifname ${bridge} accept`,
      // A published port reached through the host's address is another network's container: let it through,
      // and its replies (conntrack marks both directions DNATed), as Docker does.
      ...(n.internal ? [] : [`add rule ${TABLE} ${from} ct status dnat accept`]),
      `add rule ${TABLE} ${from} oifname @bridges drop`,
      n.internal ? `add rule ${TABLE} ${from} drop` : `add rule ${TABLE} ${from} accept`,
      `add chain ${TABLE} ${to}`,
      `flush chain ${TABLE} ${to}`,
      ...(n.internal
        ? [`add rule ${TABLE} ${to} drop`]
        : [`add rule ${TABLE} ${to} ct state established,related accept`, `add rule ${TABLE} ${to} ct status dnat accept`]),
      `add rule ${TABLE} ${to} drop`,
      `add element ${TABLE} from_bridge { ${bridge} : jump ${from} }`,
      `add element ${TABLE} to_bridge { ${bridge} : jump ${to} }`,
    ];
    if (!n.internal) {
      script.push(
        `add chain ${TABLE} ${nat}`,
        `flush chain ${TABLE} ${nat}`,
        `add rule ${TABLE} ${nat} oifname != ${bridge} masquerade`,
        `add element ${TABLE} outbound { ${n.subnet} : jump ${nat} }`,
      );
    }
    const snapshot = await this.snapshot();
    if (snapshot.forwardDrops && !snapshot.forwardRules.has(tag(n.id))) {
      const comment = JSON.stringify(tag(n.id));
      script.push(
        `insert rule ip filter FORWARD iifname ${bridge} accept comment ${comment}`,
        `insert rule ip filter FORWARD oifname ${bridge} accept comment ${comment}`,
      );
    }
    await this.nft(["-f", "-"], script.join("\n") + "\n");
  }

  /** Removes the network's rules; whatever is already gone is skipped. The table goes with the last network. */
  async removeNetwork(n: FirewalledNetwork): Promise<void> {
    const snapshot = await this.snapshot();
    const { from, to, nat } = chains(n.id);
    const bridge = JSON.stringify(n.bridge);
    const existing = snapshot.berthChains ?? [];
    // Since addNetwork is one transaction, a network's chains exist exactly when its map elements do.
    // Elements go first: a chain cannot be deleted while an element still jumps to it.
    const script: string[] = [];
    if (existing.includes(from)) {
      script.push(`delete element ${TABLE} from_bridge { ${bridge} }`, `delete element ${TABLE} to_bridge { ${bridge} }`);
      script.push(`delete element ${TABLE} bridges { ${bridge} }`, `delete chain ${TABLE} ${from}`, `delete chain ${TABLE} ${to}`);
    }
    if (existing.includes(nat)) script.push(`delete element ${TABLE} outbound { ${n.subnet} }`, `delete chain ${TABLE} ${nat}`);
    for (const handle of snapshot.forwardRules.get(tag(n.id)) ?? []) script.push(`delete rule ip filter FORWARD handle ${handle}`);
    const othersLeft = existing.some((c) => ![from, to, nat, "forward", "postrouting"].includes(c));
    if (snapshot.berthChains && !othersLeft) script.push(`delete table ${TABLE}`);
    if (script.length === 0) return;
    await this.nft(["-f", "-"], script.join("\n") + "\n");
    if (!othersLeft) this.base = undefined;
  }

  private ensureBase(): Promise<void> {
    this.base ??= (async () => {
      if ((await this.snapshot()).berthChains === undefined) await this.nft(["-f", "-"], BASE);
    })();
    // A failure is reported to this caller and retried by the next.
    this.base.catch(() => (this.base = undefined));
    return this.base;
  }

  private async snapshot(): Promise<Snapshot> {
    const items = (JSON.parse(await this.nft(["-j", "list", "ruleset"])) as { nftables: RulesetItem[] }).nftables;
    const [family, table] = TABLE.split(" ");
    const ours = items.some((i) => i.chain?.family === family && i.chain.table === table);
    const snapshot: Snapshot = {
      berthChains: ours ? items.flatMap((i) => (i.chain?.family === family && i.chain.table === table ? [i.chain.name] : [])) : undefined,
      forwardDrops: items.some((i) => isIptablesForward(i.chain) && i.chain!.policy === "drop"),
      forwardRules: new Map(),
    };
    for (const { rule } of items) {
      if (!rule || !isIptablesForward({ ...rule, name: rule.chain }) || !rule.comment?.startsWith("berth:")) continue;
      snapshot.forwardRules.set(rule.comment, [...(snapshot.forwardRules.get(rule.comment) ?? []), rule.handle]);
    }
    return snapshot;
  }
}

function isIptablesForward(chain: { family: string; table: string; name: string } | undefined): boolean {
  return chain?.family === "ip" && chain.table === "filter" && chain.name === "FORWARD";
}
