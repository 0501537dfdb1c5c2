// Published ports with real traffic, behind a throwaway "host" namespace: a TCP server and a UDP echo in a
// container namespace, reached from the host at 127.0.0.1 and at its own address, from another host on an
// uplink, and from another container on the same bridge. The publisher runs as its own process inside the
// sandbox (ports-host.ts), as berthd does on the real host, so that a kill -9 can be tested too.
import assert from "node:assert/strict";
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { ensureBridge } from "../../../src/runtime/network/bridge.js";
import { connectEndpoint } from "../../../src/runtime/network/endpoint.js";
import { Firewall, nftProcess, type FirewalledNetwork } from "../../../src/runtime/network/firewall.js";
import { NftState } from "../../../src/runtime/network/nft-state.js";
import type { PortMap, PublishTarget } from "../../../src/runtime/network/ports.js";
import type { PortsHostRequest } from "./ports-host.js";
import { openSandbox, type Sandbox } from "./sandbox.js";

const PORTS_HOST = resolve(import.meta.dirname, "ports-host.ts");
const NET: FirewalledNetwork = { id: "f".repeat(64), bridge: "br-pt", subnet: "10.71.0.0/24", internal: false };
const WEB = "a".repeat(64);
const OTHER = "b".repeat(64);
const TARGET: PublishTarget = { address: "10.71.0.2", subnet: NET.subnet, bridge: NET.bridge, hostInterface: "vbpt-web" };
/** The sandbox host's address on its uplink, where "another host" (10.72.0.2) reaches it. */
const HOST_ADDRESS = "10.72.0.1";

/** In the container: TCP on 80 and a UDP echo on 81, both answering with the protocol and the peer's address. */
const SERVER = `
const net = require("node:net"), dgram = require("node:dgram");
const tcp = net.createServer((s) => s.end("tcp " + s.remoteAddress.replace("::ffff:", ""))).listen(80, "0.0.0.0", () => {
  const udp = dgram.createSocket("udp4");
  udp.on("message", (m, peer) => udp.send("udp " + peer.address, peer.port, peer.address));
  udp.bind(81, () => console.log("ready"));
});`;

/** One exchange: prints the answer, or "no answer" (refused, reset, or nothing within a second). */
const CLIENT = `
const [proto, host, port] = process.argv.slice(1);
const done = (text) => { console.log(text); process.exit(0); };
setTimeout(() => done("no answer"), 1000);
if (proto === "tcp") {
  const s = require("node:net").connect(Number(port), host);
  let text = "";
  s.on("data", (d) => (text += d)).on("end", () => done(text)).on("error", () => done("no answer"));
} else {
  const u = require("node:dgram").createSocket("udp4");
  u.on("message", (m) => done(String(m))).send("hi", Number(port), host);
}`;

/** Starts a node program in a namespace and resolves once it prints "ready". */
function startReady(netns: string, program: string, ...args: string[]): Promise<ChildProcess> {
  const child = spawn("nsenter", [`--net=${netns}`, "--", process.execPath, "-e", program, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk));
  return new Promise((done, fail) => {
    child.stdout!.on("data", (chunk: Buffer) => String(chunk).includes("ready") && done(child));
    child.once("exit", (code) => fail(new Error(`exited with ${code}: ${/^Error: .*$/m.exec(stderr)?.[0] ?? stderr}`)));
  });
}

function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    child.once("exit", () => done());
    child.kill("SIGKILL");
  });
}

/** The stand-in for berthd (ports-host.ts), inside the sandbox. */
class PortsHost {
  private answers: Array<(answer: { result?: unknown; error?: string }) => void> = [];

  private constructor(readonly child: ChildProcess) {
    child.on("message", (answer: { result?: unknown; error?: string }) => this.answers.shift()?.(answer));
  }

  static start(box: Sandbox, root: string): Promise<PortsHost> {
    const child = spawn("nsenter", [`--net=/run/netns/${box.name}`, "--", process.execPath, "--import", "tsx", PORTS_HOST, root], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    return new Promise((done, fail) => {
      child.once("message", () => done(new PortsHost(child)));
      child.once("exit", (code) => fail(new Error(`ports-host exited with ${code}`)));
    });
  }

  /** Resolves with the result; rejects with the publisher's error message. */
  call<T>(request: PortsHostRequest): Promise<T> {
    return new Promise((done, fail) => {
      this.answers.push((answer) => (answer.error === undefined ? done(answer.result as T) : fail(new Error(answer.error))));
      this.child.send(request);
    });
  }

  publish(containerId: string, request: Extract<PortsHostRequest, { op: "publish" }>["request"], target = TARGET): Promise<PortMap> {
    return this.call({ op: "publish", containerId, target, request });
  }

  kill(): Promise<void> {
    return stop(this.child);
  }
}

describe("published ports (integration, throwaway netns)", function () {
  this.timeout(60_000);
  let box: Sandbox;
  let root: string;
  let firewall: Firewall;
  let ns: Record<"web" | "peer" | "remote", string>;
  let server: ChildProcess | undefined;
  let occupier: ChildProcess | undefined;
  let host: PortsHost | undefined;
  /** The sandbox's ruleset with the network's firewall in place, before any port is published. */
  let rulesetBefore: string;
  const hostNetns = () => `/run/netns/${box.name}`;
  const nftHere = (...args: string[]) => execFileSync("nsenter", [`--net=${hostNetns()}`, "nft", ...args], { encoding: "utf8" });
  const localnet = () => box.inNetns(hostNetns(), "sysctl", "-n", `net.ipv4.conf.${NET.bridge}.route_localnet`).trim();
  /** What `proto` to host:port answers from inside `netns`. */
  const ask = (netns: string, proto: "tcp" | "udp", address: string, port: number | string) =>
    box.inNetns(netns, process.execPath, "-e", CLIENT, proto, address, String(port)).trim();
  const fromHost = (proto: "tcp" | "udp", address: string, port: number | string) => ask(hostNetns(), proto, address, port);
  const stateFiles = () => readdirSync(join(root, "ports", "containers")).concat(readdirSync(join(root, "ports", "localnet")));

  beforeEach(async function () {
    box = openSandbox();
    root = join(box.dir, "root");
    firewall = new Firewall((args, script) => nftProcess("nsenter", [`--net=${hostNetns()}`, "nft", ...args], script), new NftState(hostNetns()));
    box.inNetns(hostNetns(), "sysctl", "-qw", "net.ipv4.ip_forward=1");
    box.inNetns(hostNetns(), "ip", "link", "set", "lo", "up");
    ns = { web: await box.netns("web"), peer: await box.netns("peer"), remote: await box.netns("remote") };
    const bridgeIndex = await ensureBridge(box.host, { name: NET.bridge, gateway: "10.71.0.1", prefixLength: 24, mtu: 1500 });
    const uplinkIndex = await ensureBridge(box.host, { name: "br-ptup", gateway: HOST_ADDRESS, prefixLength: 24, mtu: 1500 });
    const endpoint = { prefixLength: 24, mtu: 1500, gateway: "10.71.0.1", defaultRoute: true };
    await connectEndpoint(box.host, { ...endpoint, netnsPath: ns.web, bridgeIndex, hostName: "vbpt-web", address: TARGET.address });
    await connectEndpoint(box.host, { ...endpoint, netnsPath: ns.peer, bridgeIndex, hostName: "vbpt-peer", address: "10.71.0.3" });
    // Another host: on the uplink, with no route to the containers' subnet.
    await connectEndpoint(box.host, { ...endpoint, netnsPath: ns.remote, bridgeIndex: uplinkIndex, hostName: "vbpt-remote", address: "10.72.0.2", gateway: HOST_ADDRESS, defaultRoute: false });
    await firewall.addNetwork(NET);
    rulesetBefore = nftHere("list", "ruleset");
    server = await startReady(ns.web, SERVER);
    host = await PortsHost.start(box, root);
  });

  afterEach(async function () {
    await host?.kill();
    await stop(server);
    await stop(occupier);
    occupier = undefined;
    await firewall.removeNetwork(NET);
    await box.close();
  });

  /** Everything the publisher added is gone. */
  function assertNothingLeft() {
    assert.equal(nftHere("list", "ruleset"), rulesetBefore, "the sandbox's ruleset is as before publishing");
    assert.equal(localnet(), "0", "route_localnet is off again");
    assert.deepEqual(stateFiles(), [], "no state left");
  }

  it("answers TCP and UDP at 127.0.0.1, the host's address, from another host and from a container on the bridge", async function () {
    assert.equal(fromHost("tcp", "127.0.0.1", 8080), "no answer", "nothing answers before publishing");
    assert.equal(fromHost("tcp", "10.71.0.2", 80), "tcp 10.71.0.1", "the server is up");

    const ports = await host!.publish(WEB, {
      PortBindings: { "80/tcp": [{ HostPort: "8080" }, { HostIp: "127.0.0.1" }], "81/udp": [{ HostIp: "0.0.0.0", HostPort: "8081" }] },
      ExposedPorts: { "80/tcp": {}, "81/udp": {}, "443/tcp": {} },
    });
    const ephemeral = Number(ports["80/tcp"]?.[1]?.HostPort);
    assert.ok(ephemeral >= 32768 && ephemeral <= 60999, `an ephemeral port from the kernel's range: ${ephemeral}`);
    assert.deepEqual(ports, {
      "443/tcp": null,
      "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "8080" }, { HostIp: "127.0.0.1", HostPort: String(ephemeral) }],
      "81/udp": [{ HostIp: "0.0.0.0", HostPort: "8081" }],
    });

    // From the host itself: loopback is masqueraded (a container cannot answer 127.0.0.1), its own address is not.
    assert.equal(fromHost("tcp", "127.0.0.1", 8080), "tcp 10.71.0.1");
    assert.equal(fromHost("udp", "127.0.0.1", 8081), "udp 10.71.0.1");
    assert.equal(fromHost("tcp", HOST_ADDRESS, 8080), `tcp ${HOST_ADDRESS}`);
    assert.equal(fromHost("udp", HOST_ADDRESS, 8081), `udp ${HOST_ADDRESS}`);
    assert.equal(fromHost("tcp", "127.0.0.1", ephemeral), "tcp 10.71.0.1");
    // From another host: through berth's firewall, with the client's address kept.
    assert.equal(ask(ns.remote, "tcp", HOST_ADDRESS, 8080), "tcp 10.72.0.2");
    assert.equal(ask(ns.remote, "udp", HOST_ADDRESS, 8081), "udp 10.72.0.2");
    assert.equal(ask(ns.remote, "tcp", HOST_ADDRESS, ephemeral), "no answer", "a 127.0.0.1 binding is not reachable from elsewhere");
    // Hairpin: another container on the same bridge, at the host's address and at its gateway address; the
    // container itself.
    assert.equal(ask(ns.peer, "tcp", HOST_ADDRESS, 8080), "tcp 10.71.0.1");
    assert.equal(ask(ns.peer, "udp", "10.71.0.1", 8081), "udp 10.71.0.1");
    assert.equal(ask(ns.web, "tcp", HOST_ADDRESS, 8080), "tcp 10.71.0.1");
    assert.equal(ask(ns.web, "udp", HOST_ADDRESS, 8081), "udp 10.71.0.1");
    assert.match(box.inNetns(hostNetns(), "bridge", "-d", "link", "show", "dev", "vbpt-web"), /hairpin on/);

    assert.equal(localnet(), "1");
    assert.match(nftHere("list", "table", "ip", "berth-ports"), /comment "berth:aaaaaaaaaaaa" : 10\.71\.0\.2 \. 80/, "the elements say whose they are");
    assert.deepEqual(await host!.call({ op: "unpublish", containerId: WEB }), null);
    assert.equal(fromHost("tcp", "127.0.0.1", 8080), "no answer");
    assert.equal(ask(ns.remote, "udp", HOST_ADDRESS, 8081), "no answer");
    assertNothingLeft();
    assert.match(box.inNetns(hostNetns(), "bridge", "-d", "link", "show", "dev", "vbpt-web"), /hairpin off/);
    // The ports are free again: another program can bind them.
    occupier = await startReady(hostNetns(), `require("node:net").createServer().listen(8080, () => console.log("ready"))`);
  });

  it("still answers from another host when iptables' FORWARD policy is drop (as dockerd leaves it)", async function () {
    nftHere("add", "table", "ip", "filter");
    nftHere("add", "chain", "ip", "filter", "FORWARD", "{ type filter hook forward priority 0; policy drop; }");
    await host!.publish(WEB, { PortBindings: { "80/tcp": [{ HostPort: "8080" }], "81/udp": [{ HostPort: "8081" }] } });
    assert.equal(ask(ns.remote, "tcp", HOST_ADDRESS, 8080), "no answer", "the drop policy cuts published ports too");
    await firewall.addNetwork(NET); // berth's accepts for its bridges, as at any network's (re)start
    assert.equal(ask(ns.remote, "tcp", HOST_ADDRESS, 8080), "tcp 10.72.0.2");
    assert.equal(ask(ns.remote, "udp", HOST_ADDRESS, 8081), "udp 10.72.0.2");
    await host!.call({ op: "unpublish", containerId: WEB });
    nftHere("delete", "table", "ip", "filter");
    assertNothingLeft();
  });

  it("refuses a port in use with dockerd's words and leaves nothing behind", async function () {
    occupier = await startReady(hostNetns(), `require("node:net").createServer().listen(8090, () => console.log("ready"))`);
    await assert.rejects(
      host!.publish(WEB, { PortBindings: { "81/udp": [{ HostPort: "8089" }], "80/tcp": [{ HostPort: "8089" }, { HostPort: "8090" }] } }),
      { message: "Bind for 0.0.0.0:8090 failed: address already in use" },
    );
    assertNothingLeft();
    assert.equal(fromHost("tcp", "127.0.0.1", 8089), "no answer");

    await host!.publish(WEB, { PortBindings: { "80/tcp": [{ HostPort: "8089" }] } });
    await assert.rejects(
      host!.publish(OTHER, { PortBindings: { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "8089" }] } }, { ...TARGET, address: "10.71.0.3" }),
      { message: "Bind for 127.0.0.1:8089 failed: port is already allocated" },
    );
    assert.equal(fromHost("tcp", "127.0.0.1", 8089), "tcp 10.71.0.1", "the first container keeps its port");
    await assert.rejects(host!.publish(OTHER, { PortBindings: { "80/tcp": [{ HostIp: "10.99.0.1", HostPort: "80" }] } }), {
      message: "Bind for 10.99.0.1:80 failed: cannot assign requested address",
    });
    await host!.call({ op: "unpublish", containerId: WEB });
    assertNothingLeft();
  });

  it("keeps ports working while berthd is down and takes them back after a kill -9; removes those of containers gone", async function () {
    const ports = await host!.publish(WEB, { PortBindings: { "81/udp": [{}] }, ExposedPorts: { "80/tcp": {} }, PublishAllPorts: true });
    const tcpPort = ports["80/tcp"]![0]!.HostPort;
    const udpPort = ports["81/udp"]![0]!.HostPort;
    await host!.kill();
    assert.equal(fromHost("tcp", "127.0.0.1", tcpPort), "tcp 10.71.0.1", "the kernel's rules outlive berthd");
    // With berthd gone, its sockets are gone: a program could take the port now.
    occupier = await startReady(hostNetns(), `require("node:net").createServer().listen(${tcpPort}, () => console.log("ready"))`);
    await stop(occupier);

    host = await PortsHost.start(box, root);
    assert.deepEqual(await host.call({ op: "restore", running: [WEB] }), { restored: [WEB], removed: [], warnings: [] });
    assert.equal(fromHost("udp", HOST_ADDRESS, udpPort), `udp ${HOST_ADDRESS}`);
    await assert.rejects(startReady(hostNetns(), `require("node:net").createServer().listen(${tcpPort}, () => console.log("ready"))`), /exited with 1: Error: listen EADDRINUSE/, "berthd holds the port again");

    await host.kill();
    host = await PortsHost.start(box, root);
    assert.deepEqual(await host.call({ op: "restore", running: [] }), { restored: [], removed: [WEB], warnings: [] });
    assert.equal(fromHost("tcp", "127.0.0.1", tcpPort), "no answer");
    assertNothingLeft();
  });
});
