import { strict as assert } from "node:assert";
import { parseCompose } from "../../src/compose/parse.js";

const parseOne = (text: string) => parseCompose("compose.yaml", text)[0]!;
function messageOf(text: string): string {
  try {
    parseCompose("compose.yaml", text);
  } catch (err) {
    return (err as Error).message;
  }
  return assert.fail("expected an error");
}

describe("parse", () => {
  it("turns YAML into plain data with anchors, aliases and merge keys", () => {
    const doc = parseOne("x-base: &base\n  image: a\n  environment: {A: '1'}\nservices:\n  web:\n    <<: *base\n    image: b\n  db: *base\n");
    assert.deepEqual(doc.data.services, {
      web: { image: "b", environment: { A: "1" } },
      db: { image: "a", environment: { A: "1" } },
    });
  });

  it("records where every key is, falling back to the nearest spelled-out ancestor", () => {
    const doc = parseOne("services:\n  web:\n    image: nginx\n    ports:\n      - 80:80\n");
    assert.deepEqual(doc.positions.locate(["services", "web", "image"]), { file: "compose.yaml", line: 3, col: 5 });
    assert.deepEqual(doc.positions.locateValue(["services", "web", "image"]), { file: "compose.yaml", line: 3, col: 12 });
    assert.deepEqual(doc.positions.locate(["services", "web", "ports", 0]), { file: "compose.yaml", line: 5, col: 9 });
    assert.deepEqual(doc.positions.locate(["services", "web", "ports", 7, "target"]), { file: "compose.yaml", line: 4, col: 5 });
  });

  it("removes !reset values and records both marks", () => {
    const doc = parseOne("services:\n  web:\n    ports: !reset []\n    command: !override [a]\n");
    assert.deepEqual(doc.data.services, { web: { command: ["a"] } });
    assert.deepEqual(doc.resets, [["services", "web", "ports"]]);
    assert.deepEqual(doc.overrides, [["services", "web", "command"]]);
  });

  it("splits a multi-document file into documents in order", () => {
    const docs = parseCompose("compose.yaml", "services: {a: {image: x}}\n---\nservices: {b: {image: y}}\n");
    assert.deepEqual(docs.map((d) => Object.keys(d.data.services as object)), [["a"], ["b"]]);
  });

  it("names a duplicate key and the line of its first definition", () => {
    assert.equal(messageOf("services:\n  web:\n    image: a\n    image: b\n"), 'compose.yaml:4:5: services.web.image: duplicate key "image" (first defined at line 3)');
  });

  it("reports YAML syntax errors at their position", () => {
    assert.match(messageOf("services:\n  web: [\n"), /^compose\.yaml:\d+:\d+: invalid YAML: /);
    assert.match(messageOf("services:\n\tweb: {}\n"), /^compose\.yaml:2:1: invalid YAML: .*[Tt]ab/);
  });

  it("refuses an empty file and a non-mapping top level", () => {
    assert.equal(messageOf(""), "compose.yaml:1:1: empty compose file");
    assert.equal(messageOf("# only a comment\n"), "compose.yaml:1:1: empty compose file");
    assert.equal(messageOf("- a\n- b\n"), "compose.yaml:1:1: top-level object must be a mapping");
  });

  it("refuses an alias bomb quickly, at the first alias that nests others", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(", ")}]`);
    }
    // refused by counting aliases, before anything is expanded (9^9 nodes would never finish)
    const message = messageOf(levels.join("\n") + "\n");
    assert.equal(message, "compose.yaml:3:8: YAML aliases expand to too many nodes (over 10000); refusing to expand them");
  });

  it("refuses non-string mapping keys", () => {
    assert.equal(messageOf("services:\n  ? [a, b]\n  : {}\n"), "compose.yaml:2:5: services: mapping keys must be plain strings");
  });

  it("names an alias that refers to no anchor", () => {
    assert.equal(messageOf("services:\n  a:\n    <<: *nope\n"), "compose.yaml:3:9: invalid YAML: alias *nope refers to no anchor &nope before it");
  });

  it("reads a leading-zero integer as octal, as Compose does for file modes", () => {
    const doc = parseOne("configs:\n  - {source: c, mode: 0440}\n  - {source: d, mode: 440}\n");
    assert.deepEqual(doc.data.configs, [{ source: "c", mode: 0o440 }, { source: "d", mode: 440 }]);
  });
});
