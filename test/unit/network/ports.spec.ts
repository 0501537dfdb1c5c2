import assert from "node:assert/strict";
import { EngineError } from "../../../src/runtime/image/errors.js";
import { PortAllocator } from "../../../src/runtime/network/ports-alloc.js";
import { PortRules } from "../../../src/runtime/network/ports-rules.js";
import type { Reserve } from "../../../src/runtime/network/ports-socket.js";
import { planPorts, portMap, type PortRequest, type WantedPort } from "../../../src/runtime/network/ports-spec.js";

function invalidMessage(request: PortRequest): string {
  try {
    planPorts(request);
  } catch (err) {
    assert.ok(err instanceof EngineError && err.kind === "InvalidArgument", `expected InvalidArgument, got ${String(err)}`);
    return err.message;
  }
  return assert.fail("expected an error");
}

describe("published ports: reading PortBindings", function () {
  it("reads bindings with and without host address and port, tcp by default", function () {
    const plan = planPorts({
      PortBindings: {
        "80/tcp": [{ HostIp: "", HostPort: "8080" }, { HostIp: "127.0.0.1", HostPort: "" }],
        "53/UDP": [{ HostIp: "10.1.2.3", HostPort: 5353 }],
        "443": [{ HostPort: "8000-8010" }],
        "9000/tcp": [],
      },
      ExposedPorts: { "22/tcp": {}, "80/tcp": {} },
    });
    assert.deepEqual(plan.exposed, ["22/tcp", "443/tcp", "53/udp", "80/tcp", "9000/tcp"]);
    // In the request's key order, which JavaScript starts with the integer-like keys.
    assert.deepEqual(plan.wanted, [
      { proto: "tcp", containerPort: 443, hostIp: "0.0.0.0", hostPorts: { first: 8000, last: 8010 } },
      { proto: "tcp", containerPort: 80, hostIp: "0.0.0.0", hostPorts: { first: 8080, last: 8080 } },
      { proto: "tcp", containerPort: 80, hostIp: "127.0.0.1" },
      { proto: "udp", containerPort: 53, hostIp: "10.1.2.3", hostPorts: { first: 5353, last: 5353 } },
    ]);
  });

  it("PublishAllPorts gives every exposed port without a binding an ephemeral one", function () {
    const plan = planPorts({
      PublishAllPorts: true,
      ExposedPorts: { "80/tcp": {}, "53/udp": {}, "8080/tcp": {} },
      PortBindings: { "8080/tcp": [{ HostPort: "9090" }] },
    });
    assert.deepEqual(plan.wanted, [
      { proto: "tcp", containerPort: 8080, hostIp: "0.0.0.0", hostPorts: { first: 9090, last: 9090 } },
      { proto: "tcp", containerPort: 80, hostIp: "0.0.0.0" },
      { proto: "udp", containerPort: 53, hostIp: "0.0.0.0" },
    ]);
    assert.deepEqual(planPorts({ ExposedPorts: { "80/tcp": {} } }).wanted, [], "exposed alone publishes nothing");
  });

  it("refuses what dockerd refuses, in its words", function () {
    assert.equal(invalidMessage({ PortBindings: { "http/tcp": [] } }), 'invalid port specification: "http"');
    assert.equal(invalidMessage({ PortBindings: { "0/tcp": [] } }), 'invalid port specification: "0"');
    assert.equal(invalidMessage({ PortBindings: { "80-81/tcp": [] } }), 'invalid port specification: "80-81"');
    assert.equal(invalidMessage({ PortBindings: { "80/tcp": [{ HostPort: "65536" }] } }), 'invalid port specification: "65536"');
    assert.equal(invalidMessage({ PortBindings: { "80/tcp": [{ HostPort: "8010-8000" }] } }), 'invalid port specification: "8010-8000"');
    assert.equal(invalidMessage({ PortBindings: { "80/tcp": [{ HostPort: "80a" }] } }), 'invalid port specification: "80a"');
    assert.equal(invalidMessage({ PortBindings: { "80/icmp": [] } }), 'invalid proto "icmp" in port "80/icmp": use tcp or udp');
    assert.match(invalidMessage({ PortBindings: { "80/sctp": [] } }), /berthd publishes tcp and udp ports only/);
    assert.match(invalidMessage({ ExposedPorts: { "80/foo": {} } }), /invalid proto "foo"/);
    assert.equal(
      invalidMessage({ PortBindings: { "80/tcp": [{ HostIp: "300.1.1.1" }] } }),
      'invalid host IP address "300.1.1.1" in the port binding for 80/tcp',
    );
    assert.match(invalidMessage({ PortBindings: { "80/tcp": [{ HostIp: "::1" }] } }), /IPv4 host addresses only/);
  });

  it("shows bindings as NetworkSettings.Ports, unpublished exposed ports as null", function () {
    const map = portMap(["22/tcp", "80/tcp"], [
      { proto: "tcp", hostIp: "0.0.0.0", hostPort: 8080, containerPort: 80 },
      { proto: "tcp", hostIp: "127.0.0.1", hostPort: 32768, containerPort: 80 },
    ]);
    assert.deepEqual(map, {
      "22/tcp": null,
      "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "8080" }, { HostIp: "127.0.0.1", HostPort: "32768" }],
    });
  });
});

describe("published ports: choosing host ports", function () {
  /** Ports "another program" holds, and what is bound now. */
  let foreign: Set<string>;
  let bound: Set<string>;
  const reserve: Reserve = async (proto, hostIp, port) => {
    const key = `${proto} ${hostIp}:${port}`;
    if (foreign.has(`${proto} ${port}`) || bound.has(key)) throw Object.assign(new Error("bind: address already in use"), { code: "EADDRINUSE" });
    bound.add(key);
    return { close: async () => void bound.delete(key) };
  };
  const want = (containerPort: number, hostPorts?: [number, number], hostIp = "0.0.0.0", proto: "tcp" | "udp" = "tcp"): WantedPort => ({
    proto, containerPort, hostIp, ...(hostPorts ? { hostPorts: { first: hostPorts[0], last: hostPorts[1] } } : {}),
  });
  const conflictMessage = async (promise: Promise<unknown>) => {
    const err = await promise.then(() => assert.fail("expected a conflict"), (e: unknown) => e);
    assert.ok(err instanceof EngineError && err.kind === "Conflict", `expected Conflict, got ${String(err)}`);
    return err.message;
  };

  beforeEach(function () {
    foreign = new Set();
    bound = new Set();
  });

  it("hands out ephemeral ports round robin from the range, per protocol", async function () {
    const ports = new PortAllocator(reserve, { first: 32768, last: 32770 });
    const a = await ports.allocate("a", [want(80), want(81), want(53, undefined, "0.0.0.0", "udp")]);
    assert.deepEqual(a.map((h) => h.mapping.hostPort), [32768, 32769, 32768]);
    await ports.release("a", a.slice(0, 1));
    const b = await ports.allocate("b", [want(80), want(80)]);
    assert.deepEqual(b.map((h) => h.mapping.hostPort), [32770, 32768], "wraps around to the port released");
    assert.match(await conflictMessage(ports.allocate("c", [want(80)])), /^Bind for 0\.0\.0\.0:32768-32770 failed: all ports are allocated$/);
  });

  it("skips ports other programs hold, in ranges and the ephemeral range", async function () {
    foreign.add("tcp 8000").add("tcp 32768");
    const ports = new PortAllocator(reserve, { first: 32768, last: 40000 });
    const held = await ports.allocate("a", [want(80, [8000, 8002]), want(81)]);
    assert.deepEqual(held.map((h) => h.mapping), [
      { proto: "tcp", hostIp: "0.0.0.0", hostPort: 8001, containerPort: 80 },
      { proto: "tcp", hostIp: "0.0.0.0", hostPort: 32769, containerPort: 81 },
    ]);
  });

  it("reports a port taken by a container as allocated, by another program as in use, and keeps nothing", async function () {
    foreign.add("tcp 9090");
    const ports = new PortAllocator(reserve);
    await ports.allocate("a", [want(80, [8080, 8080])]);
    assert.equal(await conflictMessage(ports.allocate("b", [want(80, [8081, 8081]), want(80, [8080, 8080])])), "Bind for 0.0.0.0:8080 failed: port is already allocated");
    assert.equal(await conflictMessage(ports.allocate("b", [want(80, [8081, 8081]), want(80, [9090, 9090])])), "Bind for 0.0.0.0:9090 failed: address already in use");
    assert.deepEqual([...bound], ["tcp 0.0.0.0:8080"], "b's first port was let go both times");
    assert.equal(await conflictMessage(ports.allocate("b", [want(80, [8080, 8080], "127.0.0.1")])), "Bind for 127.0.0.1:8080 failed: port is already allocated", "0.0.0.0 covers every address");
    assert.equal((await ports.allocate("b", [want(80, [8080, 8080], "127.0.0.1", "udp")])).length, 1, "udp is another port");
    assert.equal(await conflictMessage(ports.allocate("c", [want(1, [7000, 7000]), want(2, [7000, 7000])])), "Bind for 0.0.0.0:7000 failed: port is already allocated", "twice in one request");
  });

  it("lets one port be taken on two different addresses", async function () {
    const ports = new PortAllocator(reserve);
    await ports.allocate("a", [want(80, [8080, 8080], "127.0.0.1")]);
    await ports.allocate("b", [want(80, [8080, 8080], "10.0.0.1")]);
    assert.match(await conflictMessage(ports.allocate("c", [want(80, [8080, 8080])])), /port is already allocated/);
  });

  it("retakes the same ports after a restart, reporting the ones another program took meanwhile", async function () {
    foreign.add("udp 5353");
    const ports = new PortAllocator(reserve);
    const { held, errors } = await ports.retake("a", [
      { proto: "tcp", hostIp: "0.0.0.0", hostPort: 8080, containerPort: 80 },
      { proto: "udp", hostIp: "0.0.0.0", hostPort: 5353, containerPort: 53 },
    ]);
    assert.equal(held.length, 2);
    assert.deepEqual(errors, ["Bind for 0.0.0.0:5353 failed: address already in use"]);
    assert.match(await conflictMessage(ports.allocate("b", [want(53, [5353, 5353], "0.0.0.0", "udp")])), /port is already allocated/, "still counted as the container's");
    await ports.release("a", held);
    assert.deepEqual([...bound], []);
  });
});

describe("published ports: nftables scripts", function () {
  /** A stand-in for nft: records scripts, answers `list tables` with what `tables` holds. */
  let scripts: string[];
  let tables: string;
  const nft = async (args: string[], script?: string) => {
    if (args.join(" ") === "list tables") return tables;
    scripts.push(script!);
    return "";
  };
  const web = {
    containerId: "a".repeat(64), address: "10.1.0.2", subnet: "10.1.0.0/24",
    mappings: [
      { proto: "tcp" as const, hostIp: "0.0.0.0", hostPort: 8080, containerPort: 80 },
      { proto: "udp" as const, hostIp: "127.0.0.1", hostPort: 5353, containerPort: 53 },
    ],
  };

  beforeEach(function () {
    scripts = [];
    tables = "table ip berth\n";
  });

  it("creates the table with the first container, then only adds elements, tagged with the container", async function () {
    const rules = new PortRules(nft);
    await rules.add(web, "br-x");
    await rules.add({ ...web, containerId: "b".repeat(64), address: "10.1.0.3", mappings: [] });
    assert.match(scripts[0]!, /^table ip berth-ports \{/);
    assert.match(scripts[0]!, /add element ip berth-ports ports \{ 0\.0\.0\.0\/0 \. tcp \. 8080 comment "berth:aaaaaaaaaaaa" : 10\.1\.0\.2 \. 80 \}/);
    assert.match(scripts[0]!, /add element ip berth-ports ports \{ 127\.0\.0\.1 \. udp \. 5353 comment "berth:aaaaaaaaaaaa" : 10\.1\.0\.2 \. 53 \}/);
    assert.match(scripts[0]!, /add element ip berth-ports masq \{ 127\.0\.0\.0\/8 \. 10\.1\.0\.2 comment/);
    assert.match(scripts[0]!, /add element ip berth-ports masq \{ 10\.1\.0\.0\/24 \. 10\.1\.0\.2 comment/);
    assert.match(scripts[0]!, /add element ip berth-ports localnet \{ "br-x" \}/);
    assert.doesNotMatch(scripts[1]!, /^table/m, "the table exists now");
    assert.doesNotMatch(scripts[1]!, /localnet/);
  });

  it("deletes elements by key, and the table with the last container", async function () {
    tables += "table ip berth-ports\n";
    const rules = new PortRules(nft);
    await rules.remove(web, "br-x", false);
    assert.equal(
      scripts[0],
      [
        "delete element ip berth-ports ports { 0.0.0.0/0 . tcp . 8080 }",
        "delete element ip berth-ports ports { 127.0.0.1 . udp . 5353 }",
        "delete element ip berth-ports masq { 127.0.0.0/8 . 10.1.0.2 }",
        "delete element ip berth-ports masq { 10.1.0.0/24 . 10.1.0.2 }",
        'delete element ip berth-ports localnet { "br-x" }',
        "",
      ].join("\n"),
    );
    await rules.remove(web, undefined, true);
    assert.equal(scripts[1], "delete table ip berth-ports\n");
    await rules.remove(web, undefined, true);
    assert.equal(scripts.length, 2, "nothing to delete once the table is gone");
  });

  it("rebuilds in one transaction that works whether or not a table was left", async function () {
    const rules = new PortRules(nft);
    await rules.rebuild([web], ["br-x"]);
    assert.match(scripts[0]!, /^add table ip berth-ports\ndelete table ip berth-ports\ntable ip berth-ports \{/);
    await rules.rebuild([], []);
    assert.equal(scripts[1], "add table ip berth-ports\ndelete table ip berth-ports\n");
  });
});
