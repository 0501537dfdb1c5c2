// Bridges, namespaces and veth endpoints on the real kernel, inside a throwaway "host" namespace.
import assert from "node:assert/strict";
import { existsSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { ensureBridge, removeBridge } from "../../../src/runtime/network/bridge.js";
import { connectEndpoint, disconnectEndpoint, macFor } from "../../../src/runtime/network/endpoint.js";
import { createNetns, isNetns, removeNetns } from "../../../src/runtime/network/netns.js";
import { inNetns } from "../../../src/runtime/native.js";
import { openSandbox, type Sandbox } from "./sandbox.js";

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const BRIDGE = { name: "br-test0", gateway: "10.99.0.1", prefixLength: 24, mtu: 1500 };

describe("network plumbing (integration, throwaway netns)", function () {
  this.timeout(20_000);
  let box: Sandbox;
  beforeEach(() => (box = openSandbox()));
  afterEach(() => box.close());

  it("creates a bridge with its gateway address, up, and is idempotent", async function () {
    const index = await ensureBridge(box.host, BRIDGE);
    assert.equal(await ensureBridge(box.host, BRIDGE), index);
    const link = await box.host.link("br-test0");
    assert.deepEqual({ kind: link?.kind, up: link?.up, mtu: link?.mtu }, { kind: "bridge", up: true, mtu: 1500 });
    assert.deepEqual(await box.host.addresses(index), [{ index, address: "10.99.0.1", prefixLength: 24 }]);
    await removeBridge(box.host, "br-test0");
    await removeBridge(box.host, "br-test0");
    assert.equal(await box.host.link("br-test0"), undefined);
  });

  it("finishes a half-created bridge: no address, down, another MTU", async function () {
    await box.host.createBridge("br-test0", 1400, macFor("10.99.0.1"));
    const index = await ensureBridge(box.host, BRIDGE);
    const link = await box.host.link("br-test0");
    assert.deepEqual({ up: link?.up, mtu: link?.mtu }, { up: true, mtu: 1500 });
    assert.deepEqual(await box.host.addresses(index), [{ index, address: "10.99.0.1", prefixLength: 24 }]);
  });

  it("refuses to take over an interface that is not a bridge", async function () {
    await assert.rejects(ensureBridge(box.host, { ...BRIDGE, name: "lo" }), /a network interface named lo already exists and is not a bridge/);
  });

  it("binds a network namespace to a file, with loopback up, and removes it", async function () {
    const file = join(box.dir, "ns");
    await createNetns(file);
    await createNetns(file);
    assert.equal(await isNetns(file), true);
    assert.match(box.inNetns(file, "ip", "-o", "link"), /^1: lo: <LOOPBACK,UP,LOWER_UP>/);
    await removeNetns(file);
    await removeNetns(file);
    assert.equal(existsSync(file), false);
  });

  it("runs a callback in another namespace and always comes back, even when it throws", async function () {
    const here = () => readlinkSync("/proc/thread-self/ns/net");
    const before = here();
    const file = await box.netns("ns");
    const inside = inNetns(file, here);
    assert.notEqual(inside, before);
    assert.throws(() => inNetns(file, () => { throw new Error("callback failed"); }), /^Error: callback failed$/);
    assert.equal(here(), before);
    assert.throws(() => inNetns(join(box.dir, "missing"), here), { code: "ENOENT" });
    assert.notEqual(inNetns(null, here), inside, "null enters a brand-new namespace");
    assert.equal(here(), before);
  });

  it("joins two namespaces on one bridge: they ping each other; removal takes the veth away", async function () {
    const bridgeIndex = await ensureBridge(box.host, BRIDGE);
    const [a, b] = [await box.netns("a"), await box.netns("b")];
    const spec = { bridgeIndex, prefixLength: 24, gateway: "10.99.0.1", mtu: 1500, defaultRoute: true };
    const ea = await connectEndpoint(box.host, { ...spec, netnsPath: a, hostName: "vbtest-a", address: "10.99.0.2" });
    await connectEndpoint(box.host, { ...spec, netnsPath: b, hostName: "vbtest-b", address: "10.99.0.3" });
    assert.deepEqual(ea, { name: "eth0", macAddress: macFor("10.99.0.2") });
    assert.equal(ea.macAddress, "02:42:0a:63:00:02");

    assert.equal((await box.host.link("vbtest-a"))?.master, bridgeIndex);
    assert.match(box.inNetns(a, "ip", "-o", "-4", "addr", "show", "eth0"), /inet 10\.99\.0\.2\/24/);
    assert.match(box.inNetns(a, "ip", "route"), /^default via 10\.99\.0\.1 dev eth0/);
    assert.match(box.inNetns(a, "busybox", "ping", "-c", "1", "-W", "2", "10.99.0.3"), /1 packets received/);
    assert.match(box.inNetns(b, "busybox", "ping", "-c", "1", "-W", "2", "10.99.0.2"), /1 packets received/);
    assert.match(box.inNetns(b, "busybox", "ping", "-c", "1", "-W", "2", "10.99.0.1"), /1 packets received/, "the gateway answers");

    const bridgeMac = () => /link\/ether (\S+)/.exec(box.inNetns(`/run/netns/${box.name}`, "ip", "-o", "link", "show", "br-test0"))?.[1];
    assert.equal(bridgeMac(), macFor("10.99.0.1"), "the gateway's MAC, whatever its ports' MACs");

    await disconnectEndpoint(box.host, "vbtest-a");
    await disconnectEndpoint(box.host, "vbtest-a");
    assert.equal(await box.host.link("vbtest-a"), undefined);
    assert.doesNotMatch(box.inNetns(a, "ip", "-o", "link"), /eth0/);
    assert.equal(bridgeMac(), macFor("10.99.0.1"), "a port going does not change it");
    assert.match(box.inNetns(b, "busybox", "ping", "-c", "1", "-W", "2", "10.99.0.1"), /1 packets received/, "b reaches the gateway at the MAC it learnt");
    await removeNetns(a);
    await removeNetns(b);
    // The kernel dismantles a namespace in a work queue, a moment after its last reference goes.
    await until(async () => (await box.host.link("vbtest-b")) === undefined, "a namespace takes its veth pairs with it");
  });

  it("names a second network's interface eth1 and gives it no default route", async function () {
    const first = await ensureBridge(box.host, BRIDGE);
    const second = await ensureBridge(box.host, { ...BRIDGE, name: "br-test1", gateway: "10.99.1.1", mtu: 1400 });
    const ns = await box.netns("c");
    const spec = { netnsPath: ns, prefixLength: 24, mtu: 1500, defaultRoute: true };
    await connectEndpoint(box.host, { ...spec, bridgeIndex: first, hostName: "vbtest-c0", address: "10.99.0.5", gateway: "10.99.0.1" });
    const e1 = await connectEndpoint(box.host, {
      ...spec, bridgeIndex: second, hostName: "vbtest-c1", address: "10.99.1.5", gateway: "10.99.1.1", mtu: 1400, defaultRoute: false,
    });
    assert.equal(e1.name, "eth1");
    assert.match(box.inNetns(ns, "ip", "-o", "link", "show", "eth1"), /mtu 1400/);
    assert.equal(box.inNetns(ns, "ip", "route").match(/^default/gm)?.length, 1);
  });

  it("leaves nothing behind when the address cannot be added", async function () {
    const bridgeIndex = await ensureBridge(box.host, BRIDGE);
    const ns = await box.netns("d");
    const spec = { netnsPath: ns, bridgeIndex, prefixLength: 24, gateway: "10.99.0.1", mtu: 1500, defaultRoute: true };
    await connectEndpoint(box.host, { ...spec, hostName: "vbtest-d0", address: "10.99.0.6" });
    // A second default route in the same namespace is refused by the kernel after the veth exists.
    await assert.rejects(connectEndpoint(box.host, { ...spec, hostName: "vbtest-d1", address: "10.99.0.7" }), /add default route via 10.99.0.1: EEXIST/);
    assert.equal(await box.host.link("vbtest-d1"), undefined);
    assert.doesNotMatch(box.inNetns(ns, "ip", "-o", "link"), /eth1/);
  });

  it("connects 30 endpoints of one namespace to one bridge", async function () {
    const bridgeIndex = await ensureBridge(box.host, BRIDGE);
    const ns = await box.netns("e");
    for (let i = 0; i < 30; i++) {
      await connectEndpoint(box.host, {
        netnsPath: ns, bridgeIndex, hostName: `vbtest-e${i}`, address: `10.99.0.${10 + i}`, prefixLength: 24,
        gateway: "10.99.0.1", mtu: 1500, defaultRoute: false,
      });
    }
    assert.equal((await box.host.links()).filter((l) => l.master === bridgeIndex).length, 30);
  });
});

