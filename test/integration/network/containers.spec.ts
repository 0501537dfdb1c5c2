// Containers on bridge networks through berthd's API (dockerode), berthd in its own test host namespace:
// the default bridge, user networks that reach within and not across, static addresses, internal networks,
// live connect/disconnect, and removal refused while a network is in use. Busybox does the talking.
import assert from "node:assert/strict";
import Docker from "dockerode";
import { inTestHost, linksOnceSettled, startBerthd } from "../engine/berthd.js";
import { BUSYBOX, demux, settledVeths, useEngine, type Engine } from "../containers/helpers.js";

/** An address outside every network, on a link of the test host (a bridge without ports): "the outside world". */
const OUTSIDE = "198.51.100.1";
const HTTPD = "mkdir -p /www && echo hello from $(hostname) > /www/index.html && httpd -p 80 -h /www && exec sleep 300";

describe("containers on networks (integration, berthd in a test host namespace)", function () {
  this.timeout(60_000);
  let engine: Engine;
  let docker: Docker;
  useEngine((e) => {
    engine = e;
    docker = e.docker;
  });

  const host = (...command: string[]) => inTestHost(engine.root, ...command);
  /** The test host's veths: each running container's endpoints, none once they are gone. */
  const veths = () => host("ip", "-o", "link", "show", "type", "veth").split("\n").filter(Boolean);

  before(() => {
    host("ip", "link", "add", "outside0", "type", "bridge");
    host("ip", "addr", "add", `${OUTSIDE}/24`, "dev", "outside0");
    host("ip", "link", "set", "outside0", "up");
  });

  afterEach(async () => {
    for (const c of await docker.listContainers({ all: true })) await docker.getContainer(c.Id).remove({ force: true });
    for (const n of await docker.listNetworks()) if (n.Name !== "bridge") await docker.getNetwork(n.Id).remove();
    assert.deepEqual(await settledVeths(engine.root), [], "every endpoint's veth is gone with its container");
    // Only the default network's bridge and rules are left (besides this file's own link).
    const bridge = (await docker.getNetwork("bridge").inspect()).Options!["com.docker.network.bridge.name"]!;
    const bridges = await linksOnceSettled(engine.root, "bridge", (names) => names.length === 2);
    assert.deepEqual(bridges.filter((name) => name !== "outside0"), [bridge]);
    const chains = [...host("nft", "list", "table", "ip", "berth").matchAll(/chain (\S+) \{/g)].map((m) => m[1]).sort();
    const id = bridge.slice("br-".length);
    assert.deepEqual(chains, ["forward", `from-${id}`, `nat-${id}`, "postrouting", `to-${id}`]);
  });

  async function run(name: string, script: string, options: Partial<Docker.ContainerCreateOptions> = {}): Promise<Docker.Container> {
    const container = await docker.createContainer({ Image: BUSYBOX, name, Cmd: ["sh", "-c", script], ...options });
    await container.start();
    return container;
  }

  async function exec(container: Docker.Container, script: string): Promise<{ code: number; out: string }> {
    const e = await container.exec({ Cmd: ["sh", "-c", script], AttachStdout: true, AttachStderr: true });
    const { stdout, stderr } = await demux(docker, await e.start({ hijack: true, stdin: false }));
    return { code: (await e.inspect()).ExitCode ?? -1, out: stdout + stderr };
  }

  async function ok(container: Docker.Container, script: string): Promise<string> {
    const { code, out } = await exec(container, script);
    assert.equal(code, 0, `${script}: ${out}`);
    return out;
  }

  /** An HTTP GET with nc (busybox's static wget crashes resolving names without NSS modules); fails after 2 s without an answer. */
  const get = (address: string) => `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${address} 80 | grep '^hello from'`;
  /** Until the server answers, then what it answered (the server starts with its container). */
  const fetchFrom = (address: string) => `for i in $(seq 50); do ${get(address)} && exit 0; sleep 0.1; done; exit 1`;

  const settingsOf = async (container: Docker.Container) => (await container.inspect()).NetworkSettings as unknown as {
    IPAddress: string; Gateway: string; MacAddress: string; SandboxKey: string;
    Networks: Record<string, { IPAddress: string; IPPrefixLen: number; Gateway: string; MacAddress: string; NetworkID: string; EndpointID: string; Aliases: string[] | null; DNSNames: string[] | null }>;
  };

  async function networkEvents(since: number): Promise<{ Action: string; Actor: { Attributes: Record<string, string> } }[]> {
    const stream = (await docker.getEvents({ since, until: Math.ceil(Date.now() / 1000) + 1, filters: { type: ["network"] } })) as unknown as NodeJS.ReadableStream;
    let text = "";
    for await (const chunk of stream) text += String(chunk);
    return text.split("\n").filter(Boolean).map((line) => JSON.parse(line) as { Action: string; Actor: { Attributes: Record<string, string> } });
  }

  it("a plain run joins the default bridge: eth0 with an address, a route out, /etc/hosts, inspect as Docker", async function () {
    const c = await run("plain", "exec sleep 300");
    const settings = await settingsOf(c);
    const bridge = await docker.getNetwork("bridge").inspect();
    const endpoint = settings.Networks.bridge!;
    assert.deepEqual(Object.keys(settings.Networks), ["bridge"]);
    assert.equal(endpoint.NetworkID, bridge.Id);
    assert.equal(endpoint.Gateway, bridge.IPAM!.Config![0]!.Gateway);
    assert.equal(endpoint.IPPrefixLen, 24);
    assert.match(endpoint.EndpointID, /^[0-9a-f]{64}$/);
    assert.equal(endpoint.DNSNames, null, "the default bridge has no DNS");
    assert.deepEqual([settings.IPAddress, settings.Gateway, settings.MacAddress], [endpoint.IPAddress, endpoint.Gateway, endpoint.MacAddress]);
    assert.match(settings.SandboxKey, /\/netns$/);
    assert.equal(Object.values(bridge.Containers ?? {})[0]?.IPv4Address, `${endpoint.IPAddress}/24`);

    assert.match(await ok(c, "ip -o -4 addr show eth0"), new RegExp(`inet ${endpoint.IPAddress.replaceAll(".", "\\.")}/24`));
    assert.match(await ok(c, "ip link show eth0"), new RegExp(`link/ether ${endpoint.MacAddress}`));
    assert.match(await ok(c, "ip route"), new RegExp(`^default via ${endpoint.Gateway.replaceAll(".", "\\.")} dev eth0`, "m"));
    await ok(c, `ping -c 1 -W 2 ${endpoint.Gateway}`);
    await ok(c, `ping -c 1 -W 2 ${OUTSIDE}`);
    const hostname = (await c.inspect()).Config.Hostname;
    assert.match(await ok(c, "cat /etc/hosts"), new RegExp(`^${endpoint.IPAddress.replaceAll(".", "\\.")}\\t${hostname}$`, "m"));
    assert.doesNotMatch(await ok(c, "cat /etc/resolv.conf"), new RegExp(endpoint.Gateway.replaceAll(".", "\\.")));
    assert.equal(veths().length, 1);
    assert.equal(host("cat", "/proc/sys/net/ipv4/ip_forward"), "1\n", "berthd forwards in its (test) host namespace, as dockerd does");

    await c.stop({ t: 0 });
    const stopped = await settingsOf(c);
    assert.deepEqual([stopped.Networks.bridge!.IPAddress, stopped.Networks.bridge!.NetworkID, stopped.SandboxKey], ["", bridge.Id, ""]);
    await c.start();
    assert.equal((await settingsOf(c)).Networks.bridge!.IPAddress, endpoint.IPAddress, "the lowest free address again");
  });

  it("containers on a user network reach each other; a container on another network reaches neither", async function () {
    await docker.createNetwork({ Name: "front" });
    await docker.createNetwork({ Name: "back" });
    const a = await run("alpha", HTTPD, { HostConfig: { NetworkMode: "front" } });
    const b = await run("beta", HTTPD, { HostConfig: { NetworkMode: "front" }, NetworkingConfig: { EndpointsConfig: { front: { Aliases: ["bee"] } } } });
    const other = await run("other", HTTPD, { HostConfig: { NetworkMode: "back" } });
    const [sa, sb, so] = await Promise.all([a, b, other].map(settingsOf));
    const ipA = sa.Networks.front!.IPAddress;
    const ipB = sb.Networks.front!.IPAddress;
    const ipOther = so.Networks.back!.IPAddress;
    assert.notEqual(ipA, ipB);
    assert.equal(sa.IPAddress, "", "top-level addresses are the default bridge's only");
    assert.deepEqual(sb.Networks.front!.Aliases, ["bee"]);
    // The hostname defaults to the short id: listed once.
    assert.deepEqual(sb.Networks.front!.DNSNames, ["beta", (await b.inspect()).Id.slice(0, 12), "bee"]);
    assert.match(await ok(a, fetchFrom(ipB)), /^hello from /);
    assert.match(await ok(b, fetchFrom(ipA)), /^hello from /);
    await ok(a, `ping -c 1 -W 2 ${ipB}`);
    // The server on `other` answers its own network (so the failures below are isolation, not a dead server).
    assert.match(await ok(other, fetchFrom("127.0.0.1")), /^hello from /);
    for (const [from, to] of [[other, ipA], [other, ipB], [a, ipOther]] as const) {
      const { code } = await exec(from, get(to));
      assert.notEqual(code, 0, `${to} must not be reachable across networks`);
    }
    assert.match(await ok(a, "cat /etc/resolv.conf"), new RegExp(`^nameserver ${sa.Networks.front!.Gateway.replaceAll(".", "\\.")}$`, "m"));
  });

  it("honours a static IPv4 address (and MAC address) and refuses a taken one", async function () {
    await docker.createNetwork({ Name: "fixed", IPAM: { Config: [{ Subnet: "10.123.0.0/24" }] } });
    const endpoint = { EndpointsConfig: { fixed: { IPAMConfig: { IPv4Address: "10.123.0.50" } } } };
    const first = await run("first", "exec sleep 300", {
      HostConfig: { NetworkMode: "fixed" }, NetworkingConfig: { EndpointsConfig: { fixed: { ...endpoint.EndpointsConfig.fixed, MacAddress: "02:42:DE:AD:BE:EF" } } },
    });
    assert.deepEqual([(await settingsOf(first)).Networks.fixed!.IPAddress, (await settingsOf(first)).Networks.fixed!.MacAddress], ["10.123.0.50", "02:42:de:ad:be:ef"]);
    assert.match(await ok(first, "ip -o -4 addr show eth0"), /inet 10\.123\.0\.50\/24/);
    assert.match(await ok(first, "ip link show eth0"), /link\/ether 02:42:de:ad:be:ef /);
    await assert.rejects(
      docker.createContainer({ Image: BUSYBOX, Cmd: ["true"], NetworkingConfig: { EndpointsConfig: { fixed: { MacAddress: "01:00:5e:00:00:01" } } } }),
      { statusCode: 400, json: { message: "invalid MAC address 01:00:5e:00:00:01: give a unicast address such as 02:42:ac:11:00:02" } },
    );
    const second = await docker.createContainer({ Image: BUSYBOX, name: "second", Cmd: ["sleep", "300"], HostConfig: { NetworkMode: "fixed" }, NetworkingConfig: endpoint });
    await assert.rejects(second.start(), { statusCode: 400, message: /IPv4 address 10\.123\.0\.50 is already in use/ });
    assert.equal((await second.inspect()).State.Running, false);
    await first.remove({ force: true });
    await second.start();
    assert.equal((await settingsOf(second)).Networks.fixed!.IPAddress, "10.123.0.50", "released with the first container");
    await assert.rejects(
      docker.createContainer({ Image: BUSYBOX, Cmd: ["true"], NetworkingConfig: { EndpointsConfig: { bridge: { IPAMConfig: { IPv4Address: "10.0.0.9" } } } } }),
      { statusCode: 400, json: { message: "user specified IP address is supported on user defined networks only" } },
    );
  });

  it("an internal network has no route out", async function () {
    await docker.createNetwork({ Name: "vault", Internal: true });
    await docker.createNetwork({ Name: "open" });
    const inside = await run("inside", "exec sleep 300", { HostConfig: { NetworkMode: "vault" } });
    const open = await run("open", "exec sleep 300", { HostConfig: { NetworkMode: "open" } });
    await ok(open, `ping -c 1 -W 2 ${OUTSIDE}`);
    assert.doesNotMatch(await ok(inside, "ip route"), /^default/m);
    await ok(inside, `ping -c 1 -W 2 ${(await settingsOf(inside)).Networks.vault!.Gateway}`);
    assert.notEqual((await exec(inside, `ping -c 1 -W 2 ${OUTSIDE}`)).code, 0);
  });

  it("connects and disconnects a running container live, and a stopped one at its next start", async function () {
    const since = Math.floor(Date.now() / 1000);
    await docker.createNetwork({ Name: "one" });
    await docker.createNetwork({ Name: "two" });
    const peer = await run("peer", HTTPD, { HostConfig: { NetworkMode: "two" } });
    const c = await run("mover", "exec sleep 300", { HostConfig: { NetworkMode: "one" } });
    const peerIp = (await settingsOf(peer)).Networks.two!.IPAddress;
    assert.notEqual((await exec(c, get(peerIp))).code, 0);

    await docker.getNetwork("two").connect({ Container: "mover", EndpointConfig: { Aliases: ["m2"] } });
    const settings = await settingsOf(c);
    assert.deepEqual(Object.keys(settings.Networks).sort(), ["one", "two"]);
    assert.deepEqual(settings.Networks.two!.Aliases, ["m2"]);
    assert.match(await ok(c, "ip -o -4 addr show eth1"), new RegExp(`inet ${settings.Networks.two!.IPAddress.replaceAll(".", "\\.")}/`));
    assert.match(await ok(c, fetchFrom(peerIp)), /^hello from /);
    const hostsLine = `${settings.Networks.two!.IPAddress}\t${(await c.inspect()).Config.Hostname}`;
    assert.ok((await ok(c, "cat /etc/hosts")).split("\n").includes(hostsLine), "/etc/hosts names the new address");
    await assert.rejects(docker.getNetwork("two").connect({ Container: "mover" }), {
      statusCode: 403, json: { message: "endpoint with name mover already exists in network two" },
    });

    await assert.rejects(docker.getNetwork("two").connect({}), { statusCode: 400, json: { message: 'POST /networks/two/connect needs a JSON body naming the container: {"Container": "NAME"}' } });
    await assert.rejects(docker.getNetwork("two").connect({ Container: "ghost" }), { statusCode: 404, json: { message: "No such container: ghost" } });
    await docker.getNetwork("two").disconnect({ Container: "mover" });
    assert.deepEqual(Object.keys((await settingsOf(c)).Networks), ["one"]);
    assert.notEqual((await exec(c, "ip link show eth1")).code, 0, "eth1 is gone");
    assert.ok(!(await ok(c, "cat /etc/hosts")).split("\n").includes(hostsLine), "and its /etc/hosts line");
    assert.notEqual((await exec(c, get(peerIp))).code, 0);

    await c.stop({ t: 0 });
    await docker.getNetwork("two").connect({ Container: "mover" });
    await docker.getNetwork("one").disconnect({ Container: "mover" });
    assert.deepEqual(Object.keys((await settingsOf(c)).Networks), ["two"]);
    await c.start();
    const restarted = await settingsOf(c);
    assert.match(await ok(c, "ip -o -4 addr show eth0"), new RegExp(`inet ${restarted.Networks.two!.IPAddress.replaceAll(".", "\\.")}/`));
    assert.match(await ok(c, fetchFrom(peerIp)), /^hello from /);
    const moves = (await networkEvents(since)).filter((e) => e.Actor.Attributes.container === c.id).map((e) => `${e.Action} ${e.Actor.Attributes.name}`);
    assert.deepEqual(moves, ["connect one", "connect two", "disconnect two", "disconnect one", "connect two"], "live changes and runs only");

    const hostMode = await docker.createContainer({ Image: BUSYBOX, Cmd: ["true"], HostConfig: { NetworkMode: "host" } });
    await assert.rejects(docker.getNetwork("two").connect({ Container: hostMode.id }), {
      statusCode: 403, json: { message: "container sharing network namespace with another container or host cannot be connected to any other network" },
    });
  });

  it("joins several networks in one create, in order, the first with the default route", async function () {
    await docker.createNetwork({ Name: "first" });
    await docker.createNetwork({ Name: "second" });
    const c = await run("multi", "exec sleep 300", {
      HostConfig: { NetworkMode: "first" },
      NetworkingConfig: { EndpointsConfig: { first: {}, second: { Aliases: ["s"] } } },
    });
    const settings = await settingsOf(c);
    assert.match(await ok(c, "ip -o -4 addr show eth0"), new RegExp(`inet ${settings.Networks.first!.IPAddress.replaceAll(".", "\\.")}/`));
    assert.match(await ok(c, "ip -o -4 addr show eth1"), new RegExp(`inet ${settings.Networks.second!.IPAddress.replaceAll(".", "\\.")}/`));
    assert.match(await ok(c, "ip route"), new RegExp(`^default via ${settings.Networks.first!.Gateway.replaceAll(".", "\\.")} dev eth0`, "m"));
    assert.equal(veths().length, 2);
  });

  it("after kill -9 of berthd, running containers keep their endpoints and an exited one's are cleaned", async function () {
    await docker.createNetwork({ Name: "keep" });
    const server = await run("server", HTTPD, { HostConfig: { NetworkMode: "keep" } });
    const client = await run("client", "exec sleep 300", { HostConfig: { NetworkMode: "keep" } });
    const doomed = await run("doomed", "exec sleep 300", { HostConfig: { NetworkMode: "keep" } });
    const serverIp = (await settingsOf(server)).Networks.keep!.IPAddress;
    const doomedIp = (await settingsOf(doomed)).Networks.keep!.IPAddress;
    const doomedPid = (await doomed.inspect()).State.Pid;

    engine.daemon.child.kill("SIGKILL");
    await engine.daemon.exited;
    process.kill(doomedPid, "SIGKILL"); // ends while berthd is down
    engine.daemon = await startBerthd(engine.root);
    docker = engine.docker = new Docker({ socketPath: engine.daemon.socket });

    assert.equal((await settingsOf(docker.getContainer(server.id))).Networks.keep!.IPAddress, serverIp);
    assert.match(await ok(docker.getContainer(client.id), fetchFrom(serverIp)), /^hello from /);
    assert.equal((await docker.getContainer(doomed.id).inspect()).State.Status, "exited");
    const keep = await docker.getNetwork("keep").inspect();
    assert.deepEqual(Object.keys(keep.Containers ?? {}).sort(), [server.id, client.id].sort());
    assert.equal(veths().length, 2, "the exited container's veth is gone");
    const reuse = { EndpointsConfig: { keep: { IPAMConfig: { IPv4Address: doomedIp } } } };
    const successor = await run("successor", "exec sleep 300", { HostConfig: { NetworkMode: "keep" }, NetworkingConfig: reuse });
    assert.equal((await settingsOf(successor)).Networks.keep!.IPAddress, doomedIp, "its address was released");
  });

  it("refuses an unknown network at create, and removing a network any container is configured to use", async function () {
    await assert.rejects(docker.createContainer({ Image: BUSYBOX, Cmd: ["true"], HostConfig: { NetworkMode: "nope" } }), {
      statusCode: 404, json: { message: "network nope not found" },
    });
    await assert.rejects(
      docker.createContainer({ Image: BUSYBOX, Cmd: ["true"], HostConfig: { NetworkMode: "none" }, NetworkingConfig: { EndpointsConfig: { bridge: {} } } }),
      { statusCode: 400, json: { message: 'conflicting options: network mode "none" cannot be combined with other networks (bridge)' } },
    );
    const network = await docker.createNetwork({ Name: "busy" });
    const id = (await network.inspect()).Id;
    const c = await docker.createContainer({ Image: BUSYBOX, name: "idle", Cmd: ["sleep", "300"], HostConfig: { NetworkMode: "busy" } });
    const refused = { statusCode: 403, json: { message: `error while removing network: network busy id ${id} has active endpoints` } };
    await assert.rejects(network.remove(), refused, "a created container counts");
    await c.start();
    await assert.rejects(network.remove(), refused);
    await c.stop({ t: 0 });
    await assert.rejects(network.remove(), refused, "a stopped container counts");
    await c.remove();
    await network.remove();
  });
});
