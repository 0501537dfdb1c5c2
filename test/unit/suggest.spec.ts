import { strict as assert } from "node:assert";
import { closest, editDistance } from "../../src/compose/suggest.js";

describe("suggest", () => {
  it("counts insertions, deletions, substitutions and neighbour swaps as one edit each", () => {
    assert.equal(editDistance("ports", "ports"), 0);
    assert.equal(editDistance("prots", "ports"), 1);
    assert.equal(editDistance("port", "ports"), 1);
    assert.equal(editDistance("portz", "ports"), 1);
    assert.equal(editDistance("", "abc"), 3);
    assert.equal(editDistance("kitten", "sitting"), 3);
  });

  it("picks the closest candidate within the budget, or none", () => {
    assert.equal(closest("imgae", ["image", "init", "ipc"], 2), "image");
    assert.equal(closest("zzz", ["image", "init"], 2), undefined);
    assert.equal(closest("ab", ["ac", "ab"], 1), "ab");
  });
});
