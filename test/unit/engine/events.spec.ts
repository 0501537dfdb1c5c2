import assert from "node:assert/strict";
import { EVENT_FILTERS, EventBus, encodeEvent, eventMatches, parseTimestamp, type EngineEvent } from "../../../src/engine/events.js";
import { Filters } from "../../../src/engine/filters.js";

const container = (action: string, id: string, attributes: Record<string, string>): EngineEvent => ({
  Type: "container",
  Action: action,
  Actor: { ID: id, Attributes: attributes },
  scope: "local",
  timeNano: 1_700_000_000_123_456_789n,
});

const matches = (e: EngineEvent, filters: unknown) => eventMatches(e, Filters.parse(JSON.stringify(filters), EVENT_FILTERS));

describe("event bus", () => {
  it("delivers to subscribers until they unsubscribe", () => {
    const bus = new EventBus();
    const seen: string[] = [];
    const unsubscribe = bus.subscribe((e) => seen.push(e.Action), () => {});
    bus.emit("network", "create", { ID: "n1", Attributes: {} });
    unsubscribe();
    bus.emit("network", "destroy", { ID: "n1", Attributes: {} });
    assert.deepEqual(seen, ["create"]);
    assert.equal(bus.listenerCount, 0);
  });

  it("stamps events with unique increasing wall-clock nanoseconds", () => {
    const bus = new EventBus();
    const before = BigInt(Date.now()) * 1_000_000n;
    const stamps = Array.from({ length: 50 }, () => bus.emit("volume", "mount", { ID: "v", Attributes: {} }).timeNano);
    assert.ok(stamps[0]! >= before);
    for (let i = 1; i < stamps.length; i++) assert.ok(stamps[i]! > stamps[i - 1]!);
  });

  it("replays a time window of the last 256 events", () => {
    const bus = new EventBus();
    const all = Array.from({ length: 300 }, (_, i) => bus.emit("volume", "create", { ID: `v${i}`, Attributes: {} }));
    assert.equal(bus.replay(0n, all[299]!.timeNano).length, 256);
    assert.deepEqual(bus.replay(all[100]!.timeNano, all[102]!.timeNano).map((e) => e.Actor.ID), ["v100", "v101", "v102"]);
  });

  it("tells subscribers when it closes", () => {
    const bus = new EventBus();
    let closed = 0;
    bus.subscribe(() => {}, () => closed++);
    bus.close();
    assert.equal(closed, 1);
    assert.equal(bus.listenerCount, 0);
  });
});

describe("encodeEvent", () => {
  it("writes Docker's shape with legacy fields for containers and an exact timeNano", () => {
    const line = encodeEvent(container("start", "abc", { image: "busybox", name: "web-1" }));
    assert.ok(line.endsWith("\n"));
    assert.equal(
      line.trim(),
      '{"status":"start","id":"abc","from":"busybox","Type":"container","Action":"start",' +
        '"Actor":{"ID":"abc","Attributes":{"image":"busybox","name":"web-1"}},"scope":"local","time":1700000000,"timeNano":1700000000123456789}',
    );
  });

  it("gives image events status and id only, other types no legacy fields", () => {
    const image = JSON.parse(encodeEvent({ ...container("tag", "sha256:1", { name: "busybox:1" }), Type: "image" }));
    assert.deepEqual([image.status, image.id, "from" in image], ["tag", "sha256:1", false]);
    const network = JSON.parse(encodeEvent({ ...container("create", "n1", {}), Type: "network" }));
    assert.deepEqual(["status" in network, "id" in network], [false, false]);
  });
});

describe("eventMatches", () => {
  const web = container("start", "abcdef123456", { image: "docker.io/library/busybox:1.36", name: "web-1", app: "web", tier: "front" });

  it("matches everything without filters", () => assert.ok(matches(web, {})));

  it("filters by type and event, values of one key OR-ed", () => {
    assert.ok(matches(web, { type: ["image", "container"] }));
    assert.ok(!matches(web, { type: ["image"] }));
    assert.ok(matches(web, { event: { stop: true, start: true } }));
    assert.ok(!matches(web, { event: ["stop"] }));
  });

  it("matches detailed actions by prefix only for health_status and exec events", () => {
    const health = container("health_status: healthy", "abc", {});
    assert.ok(matches(health, { event: ["health_status"] }));
    assert.ok(!matches(container("start_again", "abc", {}), { event: ["start"] }));
  });

  it("matches containers by ID prefix or name", () => {
    assert.ok(matches(web, { container: ["abcdef"] }));
    assert.ok(matches(web, { container: ["web-1"] }));
    assert.ok(!matches(web, { container: ["zzz"] }));
    assert.ok(!matches({ ...web, Type: "network" }, { network: ["other"] }));
  });

  it("matches images by full reference or the familiar name without tag", () => {
    assert.ok(matches(web, { image: ["docker.io/library/busybox:1.36"] }));
    assert.ok(matches(web, { image: ["busybox"] }));
    assert.ok(!matches(web, { image: ["alpine"] }));
  });

  it("requires every label filter (key or key=value)", () => {
    assert.ok(matches(web, { label: ["app=web", "tier"] }));
    assert.ok(!matches(web, { label: ["app=web", "tier=back"] }));
    assert.ok(!matches(web, { label: ["missing"] }));
  });
});

describe("parseTimestamp", () => {
  it("reads Unix seconds with an optional fraction into nanoseconds", () => {
    assert.equal(parseTimestamp("since", "1700000000"), 1_700_000_000_000_000_000n);
    assert.equal(parseTimestamp("since", "1700000000.5"), 1_700_000_000_500_000_000n);
    assert.equal(parseTimestamp("since", "1.000000001"), 1_000_000_001n);
    assert.equal(parseTimestamp("since", ""), undefined);
  });

  it("rejects anything else, naming the parameter and the expected form", () => {
    assert.throws(() => parseTimestamp("until", "10m"), { status: 400, message: /^invalid value for until: "10m"; expected Unix seconds/ });
  });
});
