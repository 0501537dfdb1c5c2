import { strict as assert } from "node:assert";
import { parse } from "yaml";
import type { Path } from "../../src/compose/errors.js";
import type { Dict } from "../../src/compose/parse.js";
import { applyProfiles, listProfiles } from "../../src/compose/profiles.js";

describe("profiles", () => {
  // The spec's illustrative example.
  const example: Dict = parse(`
services:
  foo: {image: foo}
  bar: {image: bar, profiles: [test]}
  baz: {image: baz, depends_on: [bar], profiles: [test]}
  zot: {image: zot, depends_on: [bar], profiles: [debug]}
`);
  const enabled = (active: string[], requested: string[] = [], data = example) => Object.keys(applyProfiles(data, active, requested).services as Dict);

  it("always enables services without profiles, and the others when one of their profiles is active", () => {
    assert.deepEqual(enabled([]), ["foo"]);
    assert.deepEqual(enabled(["test"]), ["foo", "bar", "baz"]);
    assert.deepEqual(enabled(["debug", "test"]), ["foo", "bar", "baz", "zot"]);
    assert.deepEqual(enabled(["*"]), ["foo", "bar", "baz", "zot"]);
  });

  it("enables a service named on the command line, with every profile it lists", () => {
    assert.deepEqual(enabled([], ["bar"]), ["foo", "bar", "baz"]);
    assert.deepEqual(enabled(["test"], ["zot"]), ["foo", "bar", "baz", "zot"]);
  });

  it("refuses an enabled service that needs a disabled one, where it names it", () => {
    const located: Path[] = [];
    const locate = (path: Path) => (located.push(path), { file: "compose.yaml", line: 7, col: 9 });
    assert.throws(() => applyProfiles(example, ["debug"], [], locate), {
      message: 'compose.yaml:7:9: services.zot.depends_on[0]: service "bar" is disabled: activate one of its profiles (test)',
    });
    assert.deepEqual(located, [["services", "zot", "depends_on", 0]]);
    assert.throws(() => enabled([], ["zot"]), { message: /service "bar" is disabled/ });
  });

  it("refuses links, volumes_from and service: namespaces to a disabled service", () => {
    for (const [key, value, at] of [
      ["links", ["db:database"], "links[0]"],
      ["volumes_from", ["service:db:ro"], "volumes_from[0]"],
      ["volumes_from", ["db"], "volumes_from[0]"],
      ["network_mode", "service:db", "network_mode"],
      ["pid", "service:db", "pid"],
    ] as const) {
      const data = { services: { web: { [key]: value }, db: { profiles: ["x"] } } };
      assert.throws(() => applyProfiles(data, [], []), { message: `services.web.${at}: service "db" is disabled: activate one of its profiles (x)` });
    }
    assert.deepEqual(enabled([], [], { services: { web: { volumes_from: ["container:db"] }, db: { profiles: ["x"] } } }), ["web"]);
  });

  it("drops an optional dependency on a disabled service", () => {
    const dependsOn = { db: { condition: "service_healthy", required: false }, cache: { condition: "service_started" } };
    const data = { services: { web: { depends_on: dependsOn }, db: { profiles: ["x"] }, cache: {} } };
    const web = (applyProfiles(data, [], []).services as Dict).web as Dict;
    assert.deepEqual(web.depends_on, { cache: { condition: "service_started" } });
    assert.deepEqual(Object.keys((data.services.web as Dict).depends_on as Dict), ["db", "cache"]);
  });

  it("refuses an unknown service named on the command line", () => {
    assert.throws(() => applyProfiles(example, [], ["nope"]), { message: "no such service: nope" });
  });

  it("lists every profile once, sorted", () => {
    assert.deepEqual(listProfiles(example), ["debug", "test"]);
    assert.deepEqual(listProfiles({}), []);
  });
});
