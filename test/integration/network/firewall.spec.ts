// nftables rules for bridge networks, checked with real traffic between namespaces behind a throwaway "host".
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { ensureBridge } from "../../../src/runtime/network/bridge.js";
import { connectEndpoint } from "../../../src/runtime/network/endpoint.js";
import { Firewall, nftProcess, type FirewalledNetwork } from "../../../src/runtime/network/firewall.js";
import { NftState } from "../../../src/runtime/network/nft-state.js";
import { openSandbox, type Sandbox } from "./sandbox.js";

const A: FirewalledNetwork = { id: "a".repeat(64), bridge: "br-fwa", subnet: "10.81.0.0/24", internal: false };
const B: FirewalledNetwork = { id: "b".repeat(64), bridge: "br-fwb", subnet: "10.82.0.0/24", internal: false };
const C: FirewalledNetwork = { id: "c".repeat(64), bridge: "br-fwc", subnet: "10.83.0.0/24", internal: true };

describe("network firewall (integration, nftables in a throwaway netns)", function () {
  this.timeout(30_000);
  let box: Sandbox;
  let firewall: Firewall;
  /** The nft command lines the firewall ran, in order. */
  let nftRuns: string[][];
  /** Namespace files: two containers on A, one on B, one on internal C, and "world" beyond an uplink. */
  let ns: Record<"a1" | "a2" | "b1" | "c1" | "world", string>;
  const nftHere = (...args: string[]) => execFileSync("nsenter", [`--net=/run/netns/${box.name}`, "nft", ...args], { encoding: "utf8" });
  const reaches = (from: string, address: string) => {
    try {
      box.inNetns(from, "busybox", "ping", "-c", "1", "-W", "1", address);
      return true;
    } catch {
      return false;
    }
  };

  beforeEach(async function () {
    box = openSandbox();
    nftRuns = [];
    const nft = (args: string[], script?: string) => {
      nftRuns.push(args);
      return nftProcess("nsenter", [`--net=/run/netns/${box.name}`, "nft", ...args], script);
    };
    firewall = new Firewall(nft, new NftState(`/run/netns/${box.name}`));
    execFileSync("nsenter", [`--net=/run/netns/${box.name}`, "sysctl", "-qw", "net.ipv4.ip_forward=1"]);
    ns = { a1: "", a2: "", b1: "", c1: "", world: "" };
    for (const key of Object.keys(ns) as (keyof typeof ns)[]) {
      ns[key] = await box.netns(key);
    }
    const attach = async (key: keyof typeof ns, bridge: string, address: string, defaultRoute: boolean) => {
      const gateway = address.replace(/\.\d+$/, ".1");
      const bridgeIndex = await ensureBridge(box.host, { name: bridge, gateway, prefixLength: 24, mtu: 1500 });
      await connectEndpoint(box.host, { netnsPath: ns[key], bridgeIndex, hostName: `vbfw-${key}`, address, prefixLength: 24, gateway, mtu: 1500, defaultRoute });
    };
    await attach("a1", A.bridge, "10.81.0.2", true);
    await attach("a2", A.bridge, "10.81.0.3", true);
    await attach("b1", B.bridge, "10.82.0.2", true);
    // Internal networks get no default route from berth; give one anyway to show the firewall stops it.
    await attach("c1", C.bridge, "10.83.0.2", true);
    // The world has no route back to the containers' subnets: only masqueraded traffic gets answers.
    await attach("world", "br-fwup", "10.90.0.2", false);
  });

  afterEach(async function () {
    for (const n of [A, B, C]) await firewall.removeNetwork(n);
    assert.equal(nftHere("list", "ruleset").includes("table ip berth"), false, "the last network takes berth's table with it");
    await box.close();
  });

  it("without rules, everything is routed (so the checks below can fail)", function () {
    assert.equal(reaches(ns.a1, "10.82.0.2"), true);
    assert.equal(reaches(ns.c1, "10.81.0.2"), true);
    assert.equal(reaches(ns.a1, "10.90.0.2"), false, "no masquerading yet: the world cannot answer");
  });

  it("keeps networks apart, masquerades outbound traffic, and gives internal networks no way out", async function () {
    for (const n of [A, B, C]) await firewall.addNetwork(n);
    await firewall.addNetwork(A);
    assert.equal(reaches(ns.a1, "10.81.0.3"), true, "within a network");
    assert.equal(reaches(ns.a1, "10.82.0.2"), false, "A to B");
    assert.equal(reaches(ns.b1, "10.81.0.2"), false, "B to A");
    assert.equal(reaches(ns.a1, "10.90.0.2"), true, "out, masqueraded");
    assert.equal(reaches(ns.c1, "10.90.0.2"), false, "internal to the world");
    assert.equal(reaches(ns.c1, "10.81.0.2"), false, "internal to another network");
    assert.equal(reaches(ns.world, "10.81.0.2"), false, "the world cannot open connections into a network");
    assert.equal((nftHere("list", "chain", "ip", "berth", "from-aaaaaaaaaaaa").match(/accept|drop/g) ?? []).length, 4, "re-adding replaces rules");
  });

  it("works when iptables' FORWARD policy is drop, and takes its own accepts out again", async function () {
    nftHere("add", "table", "ip", "filter");
    nftHere("add", "chain", "ip", "filter", "FORWARD", "{ type filter hook forward priority 0; policy drop; }");
    assert.equal(reaches(ns.a1, "10.81.0.3"), false, "the drop policy cuts even traffic within a bridge");
    for (const n of [A, B, C]) await firewall.addNetwork(n);
    assert.equal(reaches(ns.a1, "10.81.0.3"), true);
    assert.equal(reaches(ns.a1, "10.90.0.2"), true);
    assert.equal(reaches(ns.a1, "10.82.0.2"), false);
    for (const n of [A, B, C]) await firewall.removeNetwork(n);
    assert.doesNotMatch(nftHere("list", "chain", "ip", "filter", "FORWARD"), /berth:/);
    nftHere("delete", "table", "ip", "filter");
  });

  it("runs nft once per change: the table comes in the first network's transaction and goes in the last one's", async function () {
    await firewall.addNetwork(A);
    await firewall.addNetwork(B);
    await firewall.removeNetwork(A);
    await firewall.removeNetwork(B);
    assert.deepEqual(nftRuns, [["-f", "-"], ["-f", "-"], ["-f", "-"], ["-f", "-"]]);
    assert.equal(nftHere("list", "ruleset").includes("table ip berth"), false);
    await firewall.removeNetwork(A);
    assert.equal(nftRuns.length, 4, "removing what is gone runs nothing");
  });

  it("sees a FORWARD drop policy set after it started (as dockerd's) when the next network is added", async function () {
    await firewall.addNetwork(A);
    nftHere("add", "table", "ip", "filter");
    nftHere("add", "chain", "ip", "filter", "FORWARD", "{ type filter hook forward priority 0; policy drop; }");
    assert.equal(reaches(ns.b1, "10.90.0.2"), false, "the drop policy cuts B off");
    await firewall.addNetwork(B);
    assert.equal(reaches(ns.b1, "10.90.0.2"), true, "B got its accepts");
    assert.equal(reaches(ns.b1, "10.81.0.2"), false, "and stays apart from A");
    assert.equal((nftHere("list", "chain", "ip", "filter", "FORWARD").match(/berth:bbbbbbbbbbbb/g) ?? []).length, 2);
    // Someone (dockerd stopping) sets the policy back: the accepts are still found and removed.
    nftHere("add", "chain", "ip", "filter", "FORWARD", "{ type filter hook forward priority 0; policy accept; }");
    await firewall.removeNetwork(B);
    assert.doesNotMatch(nftHere("list", "chain", "ip", "filter", "FORWARD"), /berth:/);
    nftHere("delete", "table", "ip", "filter");
  });

  it("puts its table back when someone deleted it", async function () {
    await firewall.addNetwork(A);
    nftHere("delete", "table", "ip", "berth");
    await firewall.addNetwork(B);
    assert.equal(reaches(ns.b1, "10.90.0.2"), true, "out, masqueraded");
    assert.equal(reaches(ns.b1, "10.81.0.2"), true, "A lost its rules with the table: only a re-add brings them back");
    await firewall.addNetwork(A);
    assert.equal(reaches(ns.b1, "10.81.0.2"), false);
  });
});
