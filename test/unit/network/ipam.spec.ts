import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatSubnet, overlaps, parseCidr, type Subnet } from "../../../src/runtime/network/cidr.js";
import {
  AddressAllocator, chooseSubnet, DEFAULT_POOLS, planIpam, type UsedRange,
} from "../../../src/runtime/network/ipam.js";

const subnet = (text: string): Subnet => {
  const { address, prefix } = parseCidr(text)!;
  return { base: address, prefix };
};
const host = (text: string): UsedRange => ({ subnet: subnet(text), holder: `host route ${text}`, kind: "host" });
const network = (name: string, text: string): UsedRange => ({ subnet: subnet(text), holder: `network "${name}"`, kind: "network" });

/** What machine.md says is in use on these machines: the host, Docker's and Podman's ranges, the resolver. */
const MACHINE = ["192.0.2.0/24", "172.17.0.0/16", "10.88.0.0/16", "10.89.0.0/16", "10.255.255.53/32"];

describe("IPAM: choosing subnets", function () {
  it("keeps the default pools clear of Docker, Podman and the host's own ranges", function () {
    const pools = DEFAULT_POOLS.map((p) => subnet(p.base));
    for (const used of [...MACHINE, "172.16.0.0/12", "192.168.0.0/16", "10.4.0.0/24"]) {
      assert.ok(!pools.some((p) => overlaps(p, subnet(used))), `the pools overlap ${used}`);
    }
  });

  it("takes the first free /24 of the pools, skipping host routes, addresses, nameservers and networks", function () {
    const pools = [{ base: "10.30.0.0/16", size: 24 }];
    assert.equal(formatSubnet(chooseSubnet(pools, [])), "10.30.0.0/24");
    const used = [host("10.30.0.0/23"), host("10.30.2.7/32"), network("web", "10.30.3.0/24"), host("10.30.4.128/25")];
    assert.equal(formatSubnet(chooseSubnet(pools, used)), "10.30.5.0/24");
  });

  it("skips a wide range whole, even one nested around others", function () {
    const pools = [{ base: "10.30.0.0/16", size: 24 }];
    const used = [host("10.30.0.0/17"), host("10.30.5.0/24"), network("a", "10.30.128.0/24")];
    assert.equal(formatSubnet(chooseSubnet(pools, used)), "10.30.129.0/24");
  });

  it("moves on to the next pool, and says what to do when every pool is full", function () {
    const pools = [{ base: "10.30.0.0/23", size: 24 }, { base: "10.31.0.0/24", size: 25 }];
    const used = [network("a", "10.30.0.0/24"), network("b", "10.30.1.0/24")];
    assert.equal(formatSubnet(chooseSubnet(pools, used)), "10.31.0.0/25");
    used.push(network("c", "10.31.0.0/24"));
    assert.throws(() => chooseSubnet(pools, used), {
      message: "all address pools are in use: no free subnet left in 10.30.0.0/23 (/24), 10.31.0.0/24 (/25); " +
        "remove unused networks (docker network prune) or configure more address pools",
    });
  });

  it("rejects a malformed pool with the valid sizes", function () {
    assert.throws(() => chooseSubnet([{ base: "10.30.0.0/16", size: 12 }], []), /expected a prefix length from 16 to 30/);
    assert.throws(() => chooseSubnet([{ base: "10.30.0.1/16", size: 24 }], []), /host bits set; did you mean 10.30.0.0\/16\?/);
  });

  it("allocates 1000 networks' worth of subnets, all distinct and clear of the host's routes", function () {
    const hostRoutes = [...MACHINE, "10.16.0.0/24", "10.17.5.0/24", "10.18.0.0/20", "10.20.1.1/32"].map(host);
    const taken: UsedRange[] = [...hostRoutes];
    for (let i = 0; i < 1000; i++) {
      const s = chooseSubnet(DEFAULT_POOLS, taken);
      taken.push({ subnet: s, holder: `network "n${i}"`, kind: "network" });
    }
    const chosen = taken.slice(hostRoutes.length).map((u) => u.subnet);
    assert.equal(new Set(chosen.map(formatSubnet)).size, 1000);
    for (const s of chosen) {
      assert.equal(s.prefix, 24);
      assert.ok(!hostRoutes.some((r) => overlaps(r.subnet, s)), `${formatSubnet(s)} overlaps a host route`);
    }
  });
});

describe("IPAM: a network's config", function () {
  const pools = [{ base: "10.30.0.0/16", size: 24 }];

  it("fills Docker's defaults: a pool subnet and its first host address as gateway", function () {
    assert.deepEqual(planIpam(undefined, pools, []), { Subnet: "10.30.0.0/24", Gateway: "10.30.0.1" });
    assert.deepEqual(planIpam({ Subnet: "172.28.0.0/16" }, pools, []), { Subnet: "172.28.0.0/16", Gateway: "172.28.0.1" });
  });

  it("keeps the user's gateway, ip range and auxiliary addresses", function () {
    const entry = planIpam(
      { Subnet: "10.40.0.0/24", Gateway: "10.40.0.254", IPRange: "10.40.0.128/25", AuxiliaryAddresses: { router: "10.40.0.2" } },
      pools,
      [host("10.40.0.0/24")],
    );
    assert.deepEqual(entry, { Subnet: "10.40.0.0/24", Gateway: "10.40.0.254", IPRange: "10.40.0.128/25", AuxiliaryAddresses: { router: "10.40.0.2" } });
  });

  it("explains each invalid request", function () {
    const cases: [Parameters<typeof planIpam>[0], RegExp][] = [
      [{ Subnet: "10.40.0.0" }, /invalid subnet "10.40.0.0": expected an IPv4 prefix such as 10.20.0.0\/24/],
      [{ Subnet: "10.40.0.5/24" }, /host bits set; did you mean 10.40.0.0\/24\?/],
      [{ Subnet: "10.40.0.0/31" }, /\/30 at most/],
      [{ Subnet: "10.40.0.0/24", Gateway: "10.41.0.1" }, /gateway 10.41.0.1 is not in subnet 10.40.0.0\/24/],
      [{ Subnet: "10.40.0.0/24", Gateway: "10.40.0.255" }, /network or broadcast address/],
      [{ Subnet: "10.40.0.0/24", IPRange: "10.40.0.0/23" }, /ip range 10.40.0.0\/23 is not inside subnet 10.40.0.0\/24/],
      [{ Subnet: "10.40.0.0/24", AuxiliaryAddresses: { x: "300.1.1.1" } }, /invalid auxiliary address x "300.1.1.1"/],
      [{ Gateway: "10.40.0.1" }, /need a Subnet to belong to/],
      [{ Subnet: "10.50.1.0/24" }, /subnet 10.50.1.0\/24 overlaps with network "db" \(10.50.0.0\/16\)/],
    ];
    for (const [request, message] of cases) assert.throws(() => planIpam(request, pools, [network("db", "10.50.0.0/16")]), message);
  });
});

describe("IPAM: endpoint addresses", function () {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "berth-ipam-"))));
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    assert.equal(existsSync(dir), false);
  });

  it("hands out the lowest free address, never the gateway, network, broadcast or aux addresses", async function () {
    const book = new AddressAllocator(join(dir, "net"), { Subnet: "10.40.0.0/29", Gateway: "10.40.0.1", AuxiliaryAddresses: { r: "10.40.0.3" } });
    const got = [];
    for (const owner of ["a", "b", "c", "d"]) got.push(await book.allocate(owner));
    assert.deepEqual(got, ["10.40.0.2", "10.40.0.4", "10.40.0.5", "10.40.0.6"]);
    await assert.rejects(book.allocate("e"), { message: "no free IP address left in subnet 10.40.0.0/29" });
    await book.release("10.40.0.4", "b");
    assert.equal(await book.allocate("e"), "10.40.0.4");
  });

  it("allocates inside the ip range only", async function () {
    const book = new AddressAllocator(join(dir, "net"), { Subnet: "10.40.0.0/24", Gateway: "10.40.0.1", IPRange: "10.40.0.128/30" });
    assert.deepEqual([await book.allocate("a"), await book.allocate("b"), await book.allocate("c"), await book.allocate("d")],
      ["10.40.0.128", "10.40.0.129", "10.40.0.130", "10.40.0.131"]);
    await assert.rejects(book.allocate("e"), /no free IP address left in ip range 10.40.0.128\/30/);
  });

  it("honours a static address, and refuses a taken, reserved or foreign one", async function () {
    const book = new AddressAllocator(join(dir, "net"), { Subnet: "10.40.0.0/24", Gateway: "10.40.0.1", IPRange: "10.40.0.128/25" });
    assert.equal(await book.allocate("a", "10.40.0.20"), "10.40.0.20", "a static address may lie outside the ip range");
    await assert.rejects(book.allocate("b", "10.40.0.20"), { message: "IPv4 address 10.40.0.20 is already in use by endpoint a; choose another address or leave it unset" });
    await assert.rejects(book.allocate("b", "10.40.0.1"), /10.40.0.1 is reserved in subnet 10.40.0.0\/24/);
    await assert.rejects(book.allocate("b", "10.41.0.9"), /10.41.0.9 is not in the network's subnet 10.40.0.0\/24/);
    await assert.rejects(book.allocate("b", "ten"), /invalid IPv4 address "ten"/);
  });

  it("never gives one address to two endpoints, even when they race", async function () {
    const book = new AddressAllocator(join(dir, "net"), { Subnet: "10.40.0.0/24", Gateway: "10.40.0.1" });
    const got = await Promise.all(Array.from({ length: 50 }, (_, i) => book.allocate(`e${i}`)));
    assert.equal(new Set(got).size, 50);
  });

  it("a release by anyone but the owner frees nothing", async function () {
    const book = new AddressAllocator(join(dir, "net"), { Subnet: "10.40.0.0/24", Gateway: "10.40.0.1" });
    const address = await book.allocate("a");
    await book.release(address, "b");
    assert.deepEqual([...(await book.allocations())], [[address, "a"]]);
  });

  it("survives a restart, and frees the addresses of owners that died with it", async function () {
    const config = { Subnet: "10.40.0.0/24", Gateway: "10.40.0.1" };
    const before = new AddressAllocator(join(dir, "net"), config);
    for (const owner of ["a", "b", "c"]) await before.allocate(owner);
    // A new allocator on the same directory is what berthd sees after kill -9.
    const after = new AddressAllocator(join(dir, "net"), config);
    assert.deepEqual(await after.allocations(), new Map([["10.40.0.2", "a"], ["10.40.0.3", "b"], ["10.40.0.4", "c"]]));
    assert.deepEqual(await after.reconcile((owner) => owner !== "b"), ["10.40.0.3"]);
    assert.equal(await after.allocate("d"), "10.40.0.3");
    assert.equal(await after.allocate("e"), "10.40.0.5", "a live owner's address is never handed out again");
    await after.destroy();
    assert.equal(existsSync(join(dir, "net")), false);
  });
});
