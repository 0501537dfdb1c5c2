// The fast reader must agree with the exact one on every file it accepts, and decline whatever it cannot vouch for.
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseCompose } from "../../src/compose/parse.js";
import { parseExactly } from "../../src/compose/parse-exact.js";
import { parseFast } from "../../src/compose/parse-fast.js";

const fixtures = join(import.meta.dirname, "../fixtures");
const yamlFiles = readdirSync(fixtures, { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
  .map((entry) => join(entry.parentPath, entry.name))
  .sort();

function exactOrUndefined(file: string, text: string) {
  try {
    return parseExactly(file, text).map(({ data, resets, overrides }) => ({ data, resets, overrides }));
  } catch {
    return undefined;
  }
}

describe("parse: the fast reader", () => {
  it(`agrees with the exact reader on every fixture it accepts (${yamlFiles.length} files)`, () => {
    let accepted = 0;
    for (const file of yamlFiles) {
      const text = readFileSync(file, "utf8");
      const fast = parseFast(text);
      if (!fast) continue;
      accepted++;
      assert.deepEqual(fast, exactOrUndefined(file, text), file);
    }
    assert.ok(accepted > yamlFiles.length / 2, "most real files take the fast path");
  });

  it("reads merge keys, octal modes and the !reset / !override marks as the exact reader does", () => {
    const text = "x: &b {image: a, ports: ['80']}\nservices:\n  web:\n    <<: *b\n    ports: !reset []\n    command: !override [run]\n    configs: [{source: c, mode: 0440}]\n";
    assert.deepEqual(parseFast(text), exactOrUndefined("compose.yaml", text));
    assert.deepEqual(parseFast(text)![0]!.resets, [["services", "web", "ports"]]);
  });

  for (const [why, text] of [
    ["a duplicate key", "a: 1\na: 2\n"],
    ["an alias to no anchor", "a: *nope\n"],
    ["an explicit key", "? [a, b]\n: 1\n"],
    ["a top level that is a list", "- a\n"],
    ["an empty file", "# nothing\n"],
    ["a syntax error", "services: [\n"],
    ["aliases that expand too far", Array.from({ length: 9 }, (_, i) => (i === 0 ? "a0: &a0 [x, x, x, x, x, x, x, x, x]" : `a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(", ")}]`)).join("\n")],
  ]) {
    it(`declines ${why}, leaving the error to the exact reader`, () => assert.equal(parseFast(text), undefined));
  }

  it("gives files it read exact positions on demand", () => {
    const [doc] = parseCompose("compose.yaml", "services:\n  web:\n    image: nginx\n");
    assert.deepEqual(doc!.positions.locate(["services", "web", "image"]), { file: "compose.yaml", line: 3, col: 5 });
  });
});
