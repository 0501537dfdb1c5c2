// The network resolver on real sockets, inside a throwaway "host" namespace: a bridge's gateway address is where
// it listens, test upstreams run on loopback addresses of that namespace (never the machine's resolver), and
// containers are namespaces with veths on the bridges.
import assert from "node:assert/strict";
import { ensureBridge } from "../../../src/runtime/network/bridge.js";
import type { DnsNetwork, DnsServerOptions } from "../../../src/runtime/network/dns.js";
import { connectEndpoint } from "../../../src/runtime/network/endpoint.js";
import { DnsHost } from "./dns-host.js";
import type { Reply } from "./dns-host-child.js";
import { openSandbox, type Sandbox } from "./sandbox.js";

const SHOP: DnsNetwork = { id: "net-shop", name: "shop", gateway: "10.98.0.1", subnet: "10.98.0.0/24", internal: false };
const BACK: DnsNetwork = { id: "net-back", name: "back", gateway: "10.98.1.1", subnet: "10.98.1.0/24", internal: false };
const UPSTREAM = "10.97.0.53";
const SILENT_UPSTREAM = "10.97.0.54";
const TRUNCATING_UPSTREAM = "10.97.0.55";

const addresses = (reply: Reply) => (reply.answers ?? []).map((a) => ("data" in a ? a.data : undefined));

describe("network DNS (integration, throwaway netns)", function () {
  this.timeout(30_000);
  let box: Sandbox;
  let host: DnsHost | undefined;
  const hostNetns = () => `/run/netns/${box.name}`;

  beforeEach(async function () {
    box = openSandbox();
    box.inNetns(hostNetns(), "ip", "link", "set", "lo", "up");
    for (const address of [UPSTREAM, SILENT_UPSTREAM, TRUNCATING_UPSTREAM]) box.inNetns(hostNetns(), "ip", "addr", "add", `${address}/32`, "dev", "lo");
    for (const [name, network] of [["br-dns0", SHOP], ["br-dns1", BACK]] as const) {
      await ensureBridge(box.host, { name, gateway: network.gateway, prefixLength: 24, mtu: 1500 });
    }
  });

  afterEach(async function () {
    try {
      await host?.close();
    } finally {
      host = undefined;
      await box.close();
    }
  });

  /** A DnsServer in the sandbox, with the three test upstreams running. */
  async function start(options: DnsServerOptions): Promise<DnsHost> {
    host = await DnsHost.start(hostNetns(), options);
    await host.upstream(UPSTREAM, { records: { "example.test": "192.0.2.7" } });
    await host.upstream(SILENT_UPSTREAM, { mode: "silent" });
    await host.upstream(TRUNCATING_UPSTREAM, { mode: "truncate", records: { "big.test": "192.0.2.8" } });
    return host;
  }

  /** A container: a namespace with an endpoint on each network, the first one holding its default route. */
  async function container(name: string, endpoints: { bridge: string; network: DnsNetwork; address: string }[]): Promise<string> {
    const netnsPath = await box.netns(name);
    for (const [i, { bridge, network, address }] of endpoints.entries()) {
      const bridgeIndex = (await box.host.link(bridge))!.index;
      await connectEndpoint(box.host, {
        netnsPath, bridgeIndex, hostName: `vdns-${name}${i}`, address, prefixLength: 24, gateway: network.gateway, mtu: 1500, defaultRoute: i === 0,
      });
    }
    return netnsPath;
  }

  it("answers A for names, aliases and short ids over UDP and TCP, every replica in turn first, and PTR for addresses", async function () {
    const dns = await start({ upstreams: [UPSTREAM] });
    await dns.serve(SHOP);
    for (const i of [2, 3, 4]) await dns.register(SHOP.id, { containerId: `web${i}`, address: `10.98.0.${i}`, names: [`shop-web-${i}`, "web", `0123456789a${i}`] });
    await dns.register(SHOP.id, { containerId: "db", address: "10.98.0.9", names: ["shop-db-1", "db", "database"] });

    for (const transport of ["udp", "tcp"] as const) {
      const db = await dns.query(SHOP.gateway, transport, "database");
      assert.deepEqual([db.rcode, db.flag_ra, addresses(db)], ["NOERROR", true, ["10.98.0.9"]], transport);
      assert.deepEqual(addresses(await dns.query(SHOP.gateway, transport, "0123456789a3")), ["10.98.0.3"]);
      assert.deepEqual(addresses(await dns.query(SHOP.gateway, transport, "db.shop")), ["10.98.0.9"]);
    }
    const heads = new Set<unknown>();
    for (let i = 0; i < 3; i++) {
      const web = addresses(await dns.query(SHOP.gateway, "udp", "web"));
      assert.deepEqual([...web].sort(), ["10.98.0.2", "10.98.0.3", "10.98.0.4"]);
      heads.add(web[0]);
    }
    assert.equal(heads.size, 3, "each replica comes first once in three answers");

    const ptr = await dns.query(SHOP.gateway, "udp", "9.0.98.10.in-addr.arpa", "PTR");
    assert.deepEqual(addresses(ptr), ["shop-db-1.shop"]);
    const aaaa = await dns.query(SHOP.gateway, "tcp", "web", "AAAA");
    assert.deepEqual([aaaa.rcode, aaaa.answers], ["NOERROR", []]);
    assert.equal(await dns.upstreamQueries(UPSTREAM), 0, "names the network knows are never forwarded");

    await dns.unregister(SHOP.id, "db");
    assert.equal((await dns.query(SHOP.gateway, "udp", "database")).rcode, "NXDOMAIN", "an unregistered name goes upstream, which does not know it");
  });

  it("forwards other names to the upstream over the client's transport, and unknown single labels too (NXDOMAIN from upstream)", async function () {
    const dns = await start({ upstreams: [UPSTREAM] });
    await dns.serve(SHOP);
    for (const transport of ["udp", "tcp"] as const) {
      const external = await dns.query(SHOP.gateway, transport, "example.test");
      assert.deepEqual([external.rcode, addresses(external)], ["NOERROR", ["192.0.2.7"]], transport);
      assert.equal((await dns.query(SHOP.gateway, transport, "nosuchservice")).rcode, "NXDOMAIN", transport);
    }
    assert.equal(await dns.upstreamQueries(UPSTREAM), 4);
  });

  it("passes a truncated UDP answer on as truncated, and forwards the retry over TCP", async function () {
    const dns = await start({ upstreams: [TRUNCATING_UPSTREAM] });
    await dns.serve(SHOP);
    const overUdp = await dns.query(SHOP.gateway, "udp", "big.test");
    assert.deepEqual([overUdp.flag_tc, overUdp.answers], [true, []]);
    assert.deepEqual(addresses(await dns.query(SHOP.gateway, "tcp", "big.test")), ["192.0.2.8"]);
  });

  it("answers SERVFAIL when the upstream never answers, and asks the next upstream first", async function () {
    const dns = await start({ upstreams: [SILENT_UPSTREAM], upstreamTimeoutMs: 200 });
    await dns.serve(SHOP);
    for (const transport of ["udp", "tcp"] as const) assert.equal((await dns.query(SHOP.gateway, transport, "example.test")).rcode, "SERVFAIL", transport);
    assert.equal(await dns.upstreamQueries(SILENT_UPSTREAM), 2);
    await host!.close();

    const fallback = await start({ upstreams: [SILENT_UPSTREAM, UPSTREAM], upstreamTimeoutMs: 200 });
    await fallback.serve(SHOP);
    assert.deepEqual(addresses(await fallback.query(SHOP.gateway, "udp", "example.test")), ["192.0.2.7"]);
    assert.deepEqual([await fallback.upstreamQueries(SILENT_UPSTREAM), await fallback.upstreamQueries(UPSTREAM)], [1, 1]);
  });

  it("answers SERVFAIL at once when no upstream can be reached", async function () {
    // The sandbox has no route to anything but its own addresses.
    const dns = await start({ upstreams: ["203.0.113.53"], upstreamTimeoutMs: 60_000 });
    await dns.serve(SHOP);
    for (const transport of ["udp", "tcp"] as const) assert.equal((await dns.query(SHOP.gateway, transport, "example.test")).rcode, "SERVFAIL", transport);
  });

  it("never forwards to its own address, nor from an internal network", async function () {
    const dns = await start({ upstreams: [SHOP.gateway, UPSTREAM] });
    await dns.serve(SHOP);
    await dns.serve({ ...BACK, internal: true });
    await dns.register(BACK.id, { containerId: "vault", address: "10.98.1.5", names: ["vault"] });
    assert.deepEqual(addresses(await dns.query(SHOP.gateway, "udp", "example.test")), ["192.0.2.7"]);
    assert.equal(await dns.upstreamQueries(UPSTREAM), 1, "one query upstream, not a loop through the gateway");

    assert.deepEqual(addresses(await dns.query(BACK.gateway, "udp", "vault")), ["10.98.1.5"]);
    assert.equal((await dns.query(BACK.gateway, "udp", "example.test")).rcode, "SERVFAIL");
    assert.equal(await dns.upstreamQueries(UPSTREAM), 1);
  });

  it("answers containers of its network only, each also with the names of its other networks", async function () {
    const dns = await start({ upstreams: [UPSTREAM] });
    await dns.serve(SHOP);
    await dns.serve(BACK);
    const api = await container("api", [{ bridge: "br-dns0", network: SHOP, address: "10.98.0.2" }, { bridge: "br-dns1", network: BACK, address: "10.98.1.2" }]);
    const worker = await container("worker", [{ bridge: "br-dns1", network: BACK, address: "10.98.1.3" }]);
    await dns.register(SHOP.id, { containerId: "api", address: "10.98.0.2", names: ["api"] });
    await dns.register(BACK.id, { containerId: "api", address: "10.98.1.2", names: ["api"] });
    await dns.register(BACK.id, { containerId: "worker", address: "10.98.1.3", names: ["worker"] });
    await dns.register(SHOP.id, { containerId: "web", address: "10.98.0.7", names: ["web"] });

    const nslookup = (netnsPath: string, name: string, server: string) => {
      try {
        return box.inNetns(netnsPath, "busybox", "nslookup", "-type=a", name, server);
      } catch (err) {
        return (err as { stdout: string }).stdout;
      }
    };
    assert.match(nslookup(api, "web", SHOP.gateway), /Name:\s+web\nAddress: 10\.98\.0\.7/);
    assert.match(nslookup(api, "worker", SHOP.gateway), /Name:\s+worker\nAddress: 10\.98\.1\.3/, "a name of the asker's other network");
    assert.match(nslookup(worker, "api", BACK.gateway), /Address: 10\.98\.1\.2/, "its address on the asker's network");
    assert.match(nslookup(worker, "web", BACK.gateway), /can't find web: NXDOMAIN/, "a network the asker is not on stays hidden");
    assert.match(nslookup(worker, "web", SHOP.gateway), /can't find web: REFUSED/, "another network's resolver refuses it");
  });

  it("stops answering when a network is unserved, and refuses to share a gateway's port", async function () {
    const dns = await start({ upstreams: [UPSTREAM] });
    await dns.serve(SHOP);
    await dns.serve(SHOP);
    await assert.rejects(dns.serve({ ...SHOP, id: "net-other", name: "other" }), /^Error: cannot serve DNS for network other on 10\.98\.0\.1:53: .*EADDRINUSE/);
    await dns.register(SHOP.id, { containerId: "web", address: "10.98.0.2", names: ["web"] });
    await dns.unserve(SHOP.id);
    await assert.rejects(dns.query(SHOP.gateway, "tcp", "web"), /ECONNREFUSED/);
    await dns.serve(SHOP);
    assert.equal((await dns.query(SHOP.gateway, "udp", "web")).rcode, "NXDOMAIN", "a network served again starts with no names");
  });
});
