// The pure parts of the project commands: the order start/stop walk containers in, --since/--until forms, and
// ls's --filter.
import assert from "node:assert/strict";
import { unixSeconds } from "../../../src/cli/logs.js";
import { nameFilter } from "../../../src/cli/ls.js";
import { dependencyWaves } from "../../../src/cli/service-containers.js";
import type { ObservedContainer } from "../../../src/plan/observe.js";

const container = (service: string, number: number, dependsOn: string[] = []) =>
  ({ service, number, name: `p-${service}-${number}`, dependsOn: dependsOn.map((s) => ({ service: s, condition: "service_started", restart: false })) }) as ObservedContainer;

describe("dependencyWaves", () => {
  it("puts each service after what it depends on, replicas together", () => {
    const waves = dependencyWaves([container("web", 1, ["api"]), container("web", 2, ["api"]), container("api", 1, ["db"]), container("db", 1)]);
    assert.deepEqual(waves.map((w) => w.map((c) => c.name)), [["p-db-1"], ["p-api-1"], ["p-web-1", "p-web-2"]]);
  });

  it("ignores dependencies outside the selection, and runs a cycle's services together rather than never", () => {
    assert.deepEqual(dependencyWaves([container("web", 1, ["db"])]).map((w) => w.map((c) => c.name)), [["p-web-1"]]);
    const cycle = dependencyWaves([container("a", 1, ["b"]), container("b", 1, ["a"]), container("c", 1)]);
    assert.deepEqual(cycle.map((w) => w.map((c) => c.name)), [["p-c-1"], ["p-a-1", "p-b-1"]]);
  });
});

describe("unixSeconds (logs --since/--until)", () => {
  const now = Date.parse("2026-01-02T03:04:05Z");
  it("takes Unix seconds as they are, RFC 3339 dates, and durations back from now", () => {
    assert.equal(unixSeconds("1700000000.5", "--since", now), "1700000000.5");
    assert.equal(unixSeconds("2026-01-02T03:04:00Z", "--since", now), String(now / 1000 - 5) + ".000");
    assert.equal(unixSeconds("1m30s", "--since", now), (now / 1000 - 90).toFixed(3));
  });
  it("names the flag and the accepted forms on anything else", () => {
    assert.throws(() => unixSeconds("yesterday", "--until", now), /invalid --until "yesterday": use Unix seconds, an RFC 3339 date/);
  });
});

describe("nameFilter (ls --filter)", () => {
  const names = ["backend", "frontend", "web"];
  it("keeps the names any pattern matches, as a regular expression anywhere in the name", () => {
    assert.deepEqual(names.filter(nameFilter([])), names);
    assert.deepEqual(names.filter(nameFilter(["name=end"])), ["backend", "frontend"]);
    assert.deepEqual(names.filter(nameFilter(["name=^back", "name=^w"])), ["backend", "web"]);
    assert.deepEqual(names.filter(nameFilter(["name=(unclosed"])), [], "a pattern that is no regular expression matches nothing");
  });
  it("takes only name=, as docker compose ls", () => {
    assert.throws(() => nameFilter(["status=running"]), /^UserError: invalid filter 'status'$/);
    assert.throws(() => nameFilter(["name"]), /bad format of filter "name" \(expected name=value\)/);
  });
});
