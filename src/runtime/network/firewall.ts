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
//
// Each change is one `nft -f` run (a process: berthd cannot build nft's bytecode itself); what the ruleset holds
// already is read over nfnetlink in-process (nft-state.ts), fresh every time, so a FORWARD policy that dockerd
// turned to drop after berthd started, or a table someone deleted, is seen by the next change.
import { spawn } from "node:child_process";
import { NftShell } from "./nft-shell.js";
import { NftState } from "./nft-state.js";
import { Slots } from "./slots.js";

/** Runs `nft` with `args`, feeding `script` on stdin; resolves with stdout, rejects with nft's message. */
export type Nft = (args: string[], script?: string) => Promise<string>;

/**
 * berthd's transactions (`nft -f -`) go through its one nft shell; anything else is a process of its own, and so
 * are big scripts (a restore's): the shell reads its input a byte at a time.
 */
const shell = new NftShell();
const SHELL_SCRIPT_MAX = 16 * 1024;
export const runNft: Nft = (args, script) =>
  script !== undefined && script.length <= SHELL_SCRIPT_MAX && args.join(" ") === "-f -" ? shell.run(script) : nftProcess("nft", args, script);

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

/**
 * The table, with the first network's `chains` declared in it: nft 1.0.6 fails to add an element of an interval
 * map made in the same transaction when its jump target comes from an `add chain` command rather than the block.
 */
const base = (chains: string[]) => `table ${TABLE} {
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
${chains.map((name) => `  chain ${name} {}\n`).join("")}}
`;

/** Chains named after the network: 12 hex digits keep them unique and short. */
const chains = (id: string) => ({ from: `from-${id.slice(0, 12)}`, to: `to-${id.slice(0, 12)}`, nat: `nat-${id.slice(0, 12)}` });
const tag = (id: string) => `berth:${id.slice(0, 12)}`;

/** What the ruleset holds for berth. */
interface Snapshot {
  /** The chains of berth's table; undefined when there is no table. */
  berthChains?: string[];
  /** iptables' FORWARD chain has policy drop (it ends our accepts, as any drop in any table would). */
  forwardDrops: boolean;
  /** Handles of our accept rules in iptables' FORWARD chain, by tag. */
  forwardRules: Map<string, number[]>;
}

export class Firewall {
  /** Changes run one at a time: each reads the ruleset, then writes what it found missing. */
  private readonly serial = new Slots(1);

  /** `state` reads the namespace `nft` writes to (tests: a throwaway one). */
  constructor(
    private readonly nft: Nft = runNft,
    private readonly state = new NftState(),
  ) {}

  /** Adds (or re-adds, after a crash) the network's rules, and berth's table if it is missing; idempotent. */
  addNetwork(n: FirewalledNetwork): Promise<void> {
    return this.serial.run(async () => {
      const snapshot = await this.snapshot();
      const { from, to, nat } = chains(n.id);
      const bridge = JSON.stringify(n.bridge);
      // One transaction: all of a network's rules exist, or none. `add` + `flush` makes a re-add replace, not duplicate.
      const script = snapshot.berthChains === undefined ? [base(n.internal ? [from, to] : [from, to, nat])] : [];
      script.push(
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
      );
      if (!n.internal) {
        script.push(
          `add chain ${TABLE} ${nat}`,
          `flush chain ${TABLE} ${nat}`,
          `add rule ${TABLE} ${nat} oifname != ${bridge} masquerade`,
          `add element ${TABLE} outbound { ${n.subnet} : jump ${nat} }`,
        );
      }
      if (snapshot.forwardDrops && !snapshot.forwardRules.has(tag(n.id))) {
        const comment = JSON.stringify(tag(n.id));
        script.push(
          `insert rule ip filter FORWARD iifname ${bridge} accept comment ${comment}`,
          `insert rule ip filter FORWARD oifname ${bridge} accept comment ${comment}`,
        );
      }
      await this.nft(["-f", "-"], script.join("\n") + "\n");
    });
  }

  /** Removes the network's rules; whatever is already gone is skipped. The table goes with the last network. */
  removeNetwork(n: FirewalledNetwork): Promise<void> {
    return this.serial.run(async () => {
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
      if (script.length > 0) await this.nft(["-f", "-"], script.join("\n") + "\n");
    });
  }

  private async snapshot(): Promise<Snapshot> {
    const all = await this.state.chains();
    const table = TABLE.split(" ")[1];
    const ours = all.filter((c) => c.table === table).map((c) => c.name);
    const forward = all.find((c) => c.table === "filter" && c.name === "FORWARD");
    const snapshot: Snapshot = { berthChains: ours.length > 0 ? ours : undefined, forwardDrops: forward?.policy === "drop", forwardRules: new Map() };
    // Only a FORWARD chain can hold our accepts (dockerd's policy may have gone back to accept since they were added).
    for (const rule of forward ? await this.state.rules("filter", "FORWARD") : []) {
      if (!rule.comment?.startsWith("berth:")) continue;
      snapshot.forwardRules.set(rule.comment, [...(snapshot.forwardRules.get(rule.comment) ?? []), rule.handle]);
    }
    return snapshot;
  }
}
