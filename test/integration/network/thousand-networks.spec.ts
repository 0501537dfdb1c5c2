// Issue 4's IPAM test: 1000 networks on one host (Docker stops at 31), all subnets distinct and clear of the
// host's routes and addresses, then all removed. Real bridges, in a throwaway "host" namespace.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { overlaps, parseCidr, type Subnet } from "../../../src/runtime/network/cidr.js";
import { NetworkService } from "../../../src/runtime/network/service.js";
import { openSandbox, type Sandbox } from "./sandbox.js";

const subnet = (text: string): Subnet => {
  const { address, prefix } = parseCidr(text)!;
  return { base: address, prefix };
};

describe("1000 networks (integration, throwaway netns)", function () {
  this.timeout(300_000);
  let box: Sandbox;
  beforeEach(() => (box = openSandbox()));
  afterEach(() => box.close());

  it("creates 1000 networks with distinct subnets clear of the host's ranges, then removes them all", async function () {
    const here = (...args: string[]) => box.inNetns(`/run/netns/${box.name}`, ...args);
    here("ip", "link", "add", "uplink", "type", "bridge");
    here("ip", "link", "set", "uplink", "up");
    here("ip", "addr", "add", "10.16.7.2/24", "dev", "uplink");
    here("ip", "route", "add", "10.18.0.0/16", "via", "10.16.7.1");
    writeFileSync(join(box.dir, "resolv.conf"), "nameserver 10.17.3.53\n");
    const hostRanges = ["10.16.7.0/24", "10.18.0.0/16", "10.17.3.53/32"].map(subnet);

    const networks = await NetworkService.open({ root: join(box.dir, "root"), rtnl: box.host, resolvConf: join(box.dir, "resolv.conf") });
    for (let i = 0; i < 999; i++) await networks.create({ Name: `n${i}` });
    const subnets = networks.list().map((n) => n.IPAM.Config[0]!.Subnet);
    assert.equal(subnets.length, 1000, "999 plus the default bridge network");
    assert.equal(new Set(subnets).size, 1000);
    for (const s of subnets) assert.ok(!hostRanges.some((r) => overlaps(r, subnet(s))), `${s} overlaps a host range`);
    const bridges = (await box.host.links()).filter((l) => l.kind === "bridge" && l.name !== "uplink");
    assert.equal(bridges.length, 1000);

    for (const n of networks.list()) if (n.Name !== "bridge") await networks.remove(n.Id);
    assert.deepEqual(networks.list().map((n) => n.Name), ["bridge"]);
    await networks.settled(); // a removal answers once its bridge is down; the kernel's delete goes on after
    assert.deepEqual((await box.host.links()).filter((l) => l.kind === "bridge").map((l) => l.name).sort(), [networks.get("bridge").BridgeName, "uplink"].sort());
  });
});
