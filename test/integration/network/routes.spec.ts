// The /networks API on an in-process engine over a real unix socket, driven by dockerode, with the network
// service's bridges, endpoints and firewall rules made in a throwaway "host" namespace.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Docker from "dockerode";
import { endpointsFor } from "../../../src/engine/endpoints.js";
import { EventBus, type EngineEvent } from "../../../src/engine/events.js";
import { Router } from "../../../src/engine/router.js";
import { EngineServer } from "../../../src/engine/server.js";
import { networkEvents, networkRoutes } from "../../../src/engine/routes/networks.js";
import { Firewall, nftProcess, type Nft } from "../../../src/runtime/network/firewall.js";
import { NftState } from "../../../src/runtime/network/nft-state.js";
import { NetworkService } from "../../../src/runtime/network/service.js";
import { openSandbox, type Sandbox } from "./sandbox.js";

describe("/networks API (integration, in-process engine, throwaway netns)", function () {
  this.timeout(30_000);
  let box: Sandbox;
  let networks: NetworkService;
  let server: EngineServer;
  let docker: Docker;
  let busy: Set<string>;
  let events: EngineEvent[];

  /** The box's nft, through `nft` when given (a test's stand-in that fails on purpose). */
  const boxNft: Nft = (args, script) => nftProcess("nsenter", [`--net=/run/netns/${box.name}`, "nft", ...args], script);

  async function start(nft: Nft = boxNft): Promise<void> {
    const bus = new EventBus();
    events = [];
    bus.subscribe((e) => events.push(e), () => {});
    const netns = `/run/netns/${box.name}`;
    const firewall = new Firewall(nft, new NftState(netns));
    networks = await NetworkService.open({
      root: join(box.dir, "root"), rtnl: box.host, resolvConf: join(box.dir, "resolv.conf"), events: networkEvents(bus), firewall,
    });
    assert.deepEqual(events, [], "the default network appears without an event, as dockerd's");
    busy = new Set();
    const routes = networkRoutes({ networks, inUse: (id) => busy.has(id) });
    server = new EngineServer(new Router(endpointsFor(routes)), "berthd/test (linux)");
    await server.listen({ kind: "unix", path: join(box.dir, "api.sock") });
    docker = new Docker({ socketPath: join(box.dir, "api.sock") });
  }

  beforeEach(async () => {
    box = openSandbox();
    // A nameserver and an interface address inside the default pool: the first subnets must step around them.
    writeFileSync(join(box.dir, "resolv.conf"), "nameserver 10.16.0.53\n");
    box.inNetns(`/run/netns/${box.name}`, "ip", "link", "add", "uplink", "type", "bridge");
    box.inNetns(`/run/netns/${box.name}`, "ip", "addr", "add", "10.16.1.9/24", "dev", "uplink");
    await start();
  });

  afterEach(async () => {
    await server.close(1000);
    for (const n of networks.list()) {
      for (const e of networks.endpointsOf(n.Id)) await networks.disconnect(n.Id, e.ContainerID);
      if (n.Name !== "bridge") await networks.remove(n.Id);
    }
    await networks.settled();
    await box.close();
  });

  it("has a default bridge network that cannot be removed", async function () {
    const list = await docker.listNetworks();
    assert.deepEqual(list.map((n) => n.Name), ["bridge"]);
    const bridge = await docker.getNetwork("bridge").inspect();
    assert.equal(bridge.Driver, "bridge");
    assert.equal(bridge.IPAM?.Config?.[0]?.Subnet, "10.16.2.0/24", "skips the nameserver's and the uplink's subnets");
    const link = await box.host.link(bridge.Options?.["com.docker.network.bridge.name"] ?? "");
    assert.equal(link?.kind, "bridge");
    await assert.rejects(docker.getNetwork("bridge").remove(), { statusCode: 403, json: { message: "bridge is a pre-defined network and cannot be removed" } });
  });

  it("creates a network with Docker's defaults, and inspect shows Docker's NetworkResource", async function () {
    const created = await docker.createNetwork({ Name: "web", Labels: { tier: "front" }, Attachable: true });
    const info = await created.inspect();
    assert.equal(info.Id.length, 64);
    assert.deepEqual(
      { ...info, Id: undefined, Created: undefined },
      {
        Name: "web", Id: undefined, Created: undefined, Scope: "local", Driver: "bridge", EnableIPv4: true, EnableIPv6: false,
        IPAM: { Driver: "default", Config: [{ Subnet: "10.16.3.0/24", Gateway: "10.16.3.1" }], Options: {} },
        Internal: false, Attachable: true, Ingress: false, ConfigFrom: { Network: "" }, ConfigOnly: false, Containers: {},
        Options: {}, Labels: { tier: "front" },
      },
    );
    assert.ok(Math.abs(Date.parse(info.Created) - Date.now()) < 60_000);
    const bridge = await box.host.link(`br-${info.Id.slice(0, 12)}`);
    assert.deepEqual({ kind: bridge?.kind, up: bridge?.up }, { kind: "bridge", up: true });
    assert.deepEqual(await box.host.addresses(bridge!.index), [{ index: bridge!.index, address: "10.16.3.1", prefixLength: 24 }]);
    assert.deepEqual(events.map((e) => [e.Type, e.Action, e.Actor.Attributes.name]), [["network", "create", "web"]]);
  });

  it("honours the user's IPAM config, MTU, bridge name and Internal", async function () {
    await docker.createNetwork({
      Name: "db",
      Internal: true,
      IPAM: { Config: [{ Subnet: "172.30.0.0/16", Gateway: "172.30.0.254", IPRange: "172.30.5.0/24", AuxiliaryAddresses: { r: "172.30.0.2" } }] },
      Options: { "com.docker.network.driver.mtu": "1400", "com.docker.network.bridge.name": "br-db" },
    });
    const info = await docker.getNetwork("db").inspect();
    assert.deepEqual(info.IPAM?.Config, [{ Subnet: "172.30.0.0/16", Gateway: "172.30.0.254", IPRange: "172.30.5.0/24", AuxiliaryAddresses: { r: "172.30.0.2" } }]);
    assert.equal(info.Internal, true);
    const link = await box.host.link("br-db");
    assert.equal(link?.mtu, 1400);
    assert.deepEqual(await box.host.addresses(link!.index), [{ index: link!.index, address: "172.30.0.254", prefixLength: 16 }]);
  });

  it("refuses invalid requests with the reason and what would be valid", async function () {
    await docker.createNetwork({ Name: "taken", IPAM: { Config: [{ Subnet: "10.50.0.0/16" }] } });
    const cases: [Docker.NetworkCreateOptions, number, string | RegExp][] = [
      [{ Name: "taken" }, 409, "network with name taken already exists"],
      [{ Name: "o", Driver: "overlay" }, 400, 'network driver "overlay" is not supported by berthd; the only driver is "bridge"'],
      [{ Name: "host" }, 403, "host is a pre-defined network and cannot be created"],
      [{ Name: "bad name" }, 400, /^invalid network name "bad name"/],
      [{ Name: "v6", EnableIPv6: true, IPAM: { Config: [{ Subnet: "fd00::/64" }] } }, 400, /IPv6 subnets are not supported/],
      [{ Name: "o2", IPAM: { Config: [{ Subnet: "10.50.3.0/24" }] } }, 409, 'subnet 10.50.3.0/24 overlaps with network "taken" (10.50.0.0/16); choose a subnet that overlaps no other network'],
      [{ Name: "m", Options: { "com.docker.network.driver.mtu": "9x" } }, 400, /an integer from 68 to 65535/],
      [{ Name: "b", Options: { "com.docker.network.bridge.name": "a-very-long-bridge-name" } }, 400, /an interface name of 1 to 15/],
    ];
    for (const [request, status, message] of cases) {
      await assert.rejects(docker.createNetwork(request), (err: { statusCode: number; json: { message: string } }) => {
        assert.equal(err.statusCode, status, JSON.stringify(request));
        if (typeof message === "string") assert.equal(err.json.message, message);
        else assert.match(err.json.message, message);
        return true;
      });
    }
    assert.deepEqual(networks.list().map((n) => n.Name).sort(), ["bridge", "taken"], "a refused create leaves nothing");
  });

  it("lists with Docker's filters", async function () {
    const a = await docker.createNetwork({ Name: "proj_front", Labels: { "com.docker.compose.project": "proj" } });
    await docker.createNetwork({ Name: "proj_back", Labels: { "com.docker.compose.project": "proj", x: "1" } });
    await docker.createNetwork({ Name: "other" });
    const names = async (filters: Record<string, string[]>) => (await docker.listNetworks({ filters })).map((n) => n.Name).sort();
    assert.deepEqual(await names({ label: ["com.docker.compose.project=proj"] }), ["proj_back", "proj_front"]);
    assert.deepEqual(await names({ label: ["x"] }), ["proj_back"]);
    assert.deepEqual(await names({ name: ["proj_"] }), ["proj_back", "proj_front"]);
    assert.deepEqual(await names({ id: [a.id.slice(0, 8)] }), ["proj_front"]);
    assert.deepEqual(await names({ type: ["builtin"] }), ["bridge"]);
    assert.deepEqual(await names({ type: ["custom"], driver: ["bridge"] }), ["other", "proj_back", "proj_front"]);
    assert.deepEqual(await names({ driver: ["macvlan"] }), []);
    await assert.rejects(docker.listNetworks({ filters: { type: ["odd"] } }), { statusCode: 400, json: { message: "invalid filter: 'type'='odd'; valid types are custom and builtin" } });
    await assert.rejects(docker.listNetworks({ filters: { colour: ["red"] } }), { statusCode: 400 });
  });

  it("connects namespaces: inspect lists them, removal waits until they leave, then the bridge goes", async function () {
    const { id } = await docker.createNetwork({ Name: "app", IPAM: { Config: [{ Subnet: "10.60.0.0/24" }] } });
    const ns = [await box.netns("c1"), await box.netns("c2")];
    const c1 = await networks.connect("app", { containerId: "a".repeat(64), containerName: "one", netnsPath: ns[0]!, aliases: ["uno"] });
    const c2 = await networks.connect("app", { containerId: "b".repeat(64), containerName: "two", netnsPath: ns[1]!, ipv4Address: "10.60.0.77" });
    assert.deepEqual({ ...c1, EndpointID: undefined }, {
      NetworkID: id, EndpointID: undefined, Gateway: "10.60.0.1", IPAddress: "10.60.0.2", IPPrefixLen: 24, MacAddress: "02:42:0a:3c:00:02", Aliases: ["uno"],
      DNSNames: [],
    });
    assert.equal(c2.IPAddress, "10.60.0.77");
    await assert.rejects(
      networks.connect("app", { containerId: "c".repeat(64), containerName: "three", netnsPath: ns[1]!, ipv4Address: "10.60.0.77" }),
      /IPv4 address 10.60.0.77 is already in use by endpoint b{64}/,
    );
    assert.match(box.inNetns(ns[0]!, "busybox", "ping", "-c", "1", "-W", "2", "10.60.0.77"), /1 packets received/);

    const info = await docker.getNetwork("app").inspect();
    assert.deepEqual(info.Containers!["a".repeat(64)], { Name: "one", EndpointID: c1.EndpointID, MacAddress: "02:42:0a:3c:00:02", IPv4Address: "10.60.0.2/24", IPv6Address: "" });
    await assert.rejects(docker.getNetwork("app").remove(), { statusCode: 403, json: { message: `error while removing network: network app id ${id} has active endpoints` } });
    // Without a container service (this engine serves networks only), connect is not there.
    await assert.rejects(docker.getNetwork("app").connect({ Container: "x" }), { statusCode: 501 });

    await networks.disconnect("app", "a".repeat(64));
    await networks.disconnect("app", "b".repeat(64));
    await assert.rejects(networks.disconnect("app", "b".repeat(64)), /container b{64} is not connected to network app/);
    busy.add(id);
    await assert.rejects(docker.getNetwork(id.slice(0, 10)).remove(), { statusCode: 403 });
    busy.delete(id);
    await docker.getNetwork(id.slice(0, 10)).remove();
    const retired = await box.host.link(`br-${id.slice(0, 12)}`);
    assert.ok(retired === undefined || !retired.up, "the bridge is out of service once the removal answers");
    await networks.settled();
    assert.equal(await box.host.link(`br-${id.slice(0, 12)}`), undefined);
    await assert.rejects(docker.getNetwork("app").inspect(), { statusCode: 404, json: { message: "network app not found" } });
    assert.deepEqual(events.map((e) => e.Action), ["create", "connect", "connect", "disconnect", "disconnect", "destroy"]);
  });

  it("gives a container one default route, via its first non-internal network, and disconnects it from all", async function () {
    await docker.createNetwork({ Name: "private", Internal: true, IPAM: { Config: [{ Subnet: "10.61.0.0/24" }] } });
    await docker.createNetwork({ Name: "front", IPAM: { Config: [{ Subnet: "10.62.0.0/24" }] } });
    await docker.createNetwork({ Name: "back", IPAM: { Config: [{ Subnet: "10.63.0.0/24" }] } });
    const ns = await box.netns("multi");
    const container = { containerId: "e".repeat(64), containerName: "multi", netnsPath: ns };
    await networks.connect("private", container);
    // Two connects at once: both networks are eligible, exactly one may take the default route.
    const raced = await Promise.allSettled([networks.connect("front", container), networks.connect("back", container), networks.connect("back", container)]);
    assert.deepEqual(raced.map((r) => r.status), ["fulfilled", "fulfilled", "rejected"]);
    assert.match(String((raced[2] as PromiseRejectedResult).reason), /endpoint with name multi already exists in network back/);
    assert.deepEqual(box.inNetns(ns, "ip", "route").match(/^default via \S+/gm), ["default via 10.62.0.1"]);
    assert.deepEqual([...networks.endpointsOfContainer(container.containerId).keys()].sort(), ["back", "front", "private"]);
    assert.equal(networks.endpointsOfContainer(container.containerId).get("back")?.IPAddress, "10.63.0.2");

    await networks.disconnectAll(container.containerId);
    assert.equal(networks.endpointsOfContainer(container.containerId).size, 0);
    assert.doesNotMatch(box.inNetns(ns, "ip", "-o", "link"), /eth\d/);
  });

  it("prunes unused custom networks only", async function () {
    await docker.createNetwork({ Name: "idle" });
    await docker.createNetwork({ Name: "keep", Labels: { keep: "yes" } });
    const { id } = await docker.createNetwork({ Name: "wanted" });
    busy.add(id);
    const pruned = await docker.pruneNetworks({ filters: { "label!": ["keep"] } });
    assert.deepEqual(pruned, { NetworksDeleted: ["idle"] });
    assert.deepEqual(networks.list().map((n) => n.Name).sort(), ["bridge", "keep", "wanted"]);
    busy.clear();
  });

  it("recovers after a crash: finishes a half-made bridge, drops a half-made or torn endpoint, frees its address", async function () {
    const { id } = await docker.createNetwork({ Name: "crashy", IPAM: { Config: [{ Subnet: "10.70.0.0/24" }] } });
    const ns = await box.netns("c");
    const done = await networks.connect("crashy", { containerId: "d".repeat(64), containerName: "done", netnsPath: ns });
    // What a kill -9 can leave: a bridge without its address, an address allocated and an endpoint saved with no veth yet.
    await server.close(1000);
    const bridge = (await box.host.link(`br-${id.slice(0, 12)}`))!;
    box.inNetns(`/run/netns/${box.name}`, "ip", "addr", "flush", "dev", bridge.name);
    const dir = join(box.dir, "root", "network");
    symlinkSync("e".repeat(64), join(dir, "ipam", id, "10.70.0.3"));
    symlinkSync("f".repeat(64), join(dir, "ipam", id, "10.70.0.4"));
    mkdirSync(join(dir, "endpoints", id), { recursive: true });
    writeFileSync(join(dir, "endpoints", id, `${"f".repeat(64)}.json`), JSON.stringify({ ...done, NetworkID: id, ContainerID: "f".repeat(64), HostInterface: "vbnothere", IPAddress: "10.70.0.4" }));
    // And what only a power loss can leave (endpoint records are not fsynced): a torn one.
    const torn = join(dir, "endpoints", id, `${"7".repeat(64)}.json`);
    writeFileSync(torn, '{"NetworkID": "');

    await start();
    assert.equal(existsSync(torn), false, "the torn endpoint record is dropped");
    assert.deepEqual(await box.host.addresses(bridge.index), [{ index: bridge.index, address: "10.70.0.1", prefixLength: 24 }]);
    assert.deepEqual(networks.endpointsOf(id).map((e) => e.Name), ["done"]);
    await assert.rejects(
      networks.connect("crashy", { containerId: "9".repeat(64), containerName: "next", netnsPath: join(box.dir, "c2") }),
      /ENOENT/,
      "a connect to a missing namespace fails, and takes back its address",
    );
    const next = await networks.connect("crashy", { containerId: "9".repeat(64), containerName: "next", netnsPath: await box.netns("c2") });
    assert.equal(next.IPAddress, "10.70.0.3", "the addresses of owners that never finished are free again; the live one is kept");
  });

  it("deletes a removed network's bridge after answering: the same subnet and bridge name are free for the next create", async function () {
    const request = { Name: "again", IPAM: { Config: [{ Subnet: "10.71.0.0/24" }] }, Options: { "com.docker.network.bridge.name": "br-again" } };
    const first = await docker.createNetwork(request);
    const { index } = (await box.host.link("br-again"))!;
    await first.remove();
    const second = await docker.createNetwork(request);
    const bridge = (await box.host.link("br-again"))!;
    assert.notEqual(bridge.index, index, "a new bridge, not the old one taken over");
    assert.deepEqual({ up: bridge.up, alias: bridge.alias }, { up: true, alias: undefined });
    assert.deepEqual(await box.host.addresses(bridge.index), [{ index: bridge.index, address: "10.71.0.1", prefixLength: 24 }]);
    assert.deepEqual((await box.host.links()).filter((l) => l.index === index), [], "the old bridge is gone");
    await second.remove();
  });

  it("reaps at start a bridge that a crash left retired, and only that one", async function () {
    await docker.createNetwork({ Name: "doomed", Options: { "com.docker.network.bridge.name": "br-doomed" } });
    await server.close(1000);
    // What a kill -9 between the removal's answer and the kernel's delete leaves: no record, the bridge retired.
    const id = networks.get("doomed").Id;
    rmSync(join(box.dir, "root", "network", "networks", `${id}.json`));
    const { index } = (await box.host.link("br-doomed"))!;
    await box.host.setDown(index, "berth: network removed");
    box.inNetns(`/run/netns/${box.name}`, "ip", "link", "set", "uplink", "alias", "someone else's");
    await start();
    assert.equal(await box.host.link("br-doomed"), undefined);
    assert.equal((await box.host.link("uplink"))?.alias, "someone else's");
  });

  it("answers a create before its firewall rules exist; a connect waits for them, and makes them again if that failed", async function () {
    await server.close(1000);
    let failures = 0;
    await start((args, script) => (script !== undefined && failures-- > 0 ? Promise.reject(new Error("nft: a failure on purpose")) : boxNft(args, script)));
    failures = 1;
    await docker.createNetwork({ Name: "flaky" });
    const chain = new RegExp(`chain from-${networks.get("flaky").Id.slice(0, 12)} `);
    const rules = () => box.inNetns(`/run/netns/${box.name}`, "nft", "list", "table", "ip", "berth");
    await networks.settled();
    assert.equal(failures, 0, "the create's rules were tried, and failed");
    assert.doesNotMatch(rules(), chain);
    await networks.connect("flaky", { containerId: "f".repeat(64), containerName: "f", netnsPath: await box.netns("f") });
    assert.match(rules(), chain, "the connect made them");
  });

  it("finishes at start a removal that a crash cut short after its answer: rules, bridge and record go", async function () {
    await docker.createNetwork({ Name: "doomed", Options: { "com.docker.network.bridge.name": "br-doomed" } });
    const record = networks.get("doomed");
    const chain = `from-${record.Id.slice(0, 12)}`;
    const rules = () => box.inNetns(`/run/netns/${box.name}`, "nft", "list", "table", "ip", "berth");
    await networks.settled(); // the create answers before its rules are made
    assert.match(rules(), new RegExp(`chain ${chain} `));
    await server.close(1000);
    // What a kill -9 between the removal's answer and the rest leaves: the record marked, the bridge retired, the rules.
    writeFileSync(join(box.dir, "root", "network", "networks", `${record.Id}.json`), JSON.stringify({ ...record, Removing: true }));
    await box.host.setDown((await box.host.link("br-doomed"))!.index, "berth: network removed");
    await start();
    assert.equal(await box.host.link("br-doomed"), undefined);
    assert.doesNotMatch(rules(), new RegExp(chain));
    assert.equal(existsSync(join(box.dir, "root", "network", "networks", `${record.Id}.json`)), false);
    await assert.rejects(docker.getNetwork("doomed").inspect(), { statusCode: 404 });
    // A new network may take the name and the subnet at once.
    await docker.createNetwork({ Name: "doomed", IPAM: { Config: [{ Subnet: record.IPAM.Config[0]!.Subnet }] } });
  });

  it("gives 20 networks created in a row 20 distinct subnets", async function () {
    for (let i = 0; i < 20; i++) await docker.createNetwork({ Name: `many${i}` });
    assert.equal(new Set(networks.list().map((n) => n.IPAM.Config[0]!.Subnet)).size, 21);
  });
});
