import assert from "node:assert/strict";
import { Filters } from "../../../src/engine/filters.js";

const accepted = ["label", "name", "status"];

describe("Filters", () => {
  it("reads the map form and the legacy list form alike", () => {
    const map = Filters.parse('{"name":{"web":true,"db":true,"off":false}}', accepted);
    const list = Filters.parse('{"name":["web","db"]}', accepted);
    assert.deepEqual(map.values("name").sort(), ["db", "web"]);
    assert.deepEqual(list.values("name").sort(), ["db", "web"]);
  });

  it("treats an absent or empty parameter as no filter", () => {
    for (const raw of [undefined, ""]) {
      const filters = Filters.parse(raw, accepted);
      assert.equal(filters.has("name"), false);
      assert.ok(filters.exact("name", "anything"));
    }
  });

  it("matches exactly, or by prefix with fuzzy", () => {
    const filters = Filters.parse('{"name":["web"]}', accepted);
    assert.ok(filters.exact("name", "web"));
    assert.ok(!filters.exact("name", "web-1"));
    assert.ok(filters.fuzzy("name", "web-1"));
    assert.ok(!filters.fuzzy("name", "db"));
  });

  it("matches labels by key or key=value, all of them required", () => {
    const filters = Filters.parse('{"label":["a","b=2"]}', accepted);
    assert.ok(filters.labels("label", { a: "x", b: "2" }));
    assert.ok(!filters.labels("label", { a: "x", b: "3" }));
    assert.ok(!filters.labels("label", { b: "2" }));
    assert.ok(Filters.parse("", accepted).labels("label", {}));
  });

  it("rejects unknown keys, naming the valid ones", () => {
    assert.throws(() => Filters.parse('{"colour":["red"]}', accepted), {
      status: 400,
      message: "invalid filter 'colour': valid filters are label, name, status",
    });
  });

  it("rejects malformed JSON and values", () => {
    assert.throws(() => Filters.parse("{oops", accepted), { status: 400, message: /^invalid filters "\{oops": expected a JSON object/ });
    assert.throws(() => Filters.parse('["name"]', accepted), { status: 400 });
    assert.throws(() => Filters.parse('{"name":"web"}', accepted), { status: 400, message: /^invalid filter 'name': expected a list of strings/ });
  });
});
