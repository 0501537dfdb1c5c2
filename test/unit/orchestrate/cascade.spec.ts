// Compose's exit rules for foreground `up`: when to stop everything, and which exit status the command gets.
import assert from "node:assert/strict";
import { ExitRules } from "../../../src/orchestrate/cascade.js";

describe("foreground up's exit rules", () => {
  it("without an abort flag nothing stops the others and the status stays 0", () => {
    const rules = new ExitRules("ignore");
    assert.equal(rules.exited("a", 3), false);
    assert.equal(rules.exited("b", 0), false);
    assert.equal(rules.exitCode, 0);
  });

  it("--abort-on-container-exit: the first exit aborts and gives the status; exits the abort caused decide nothing", () => {
    const rules = new ExitRules("stop");
    assert.equal(rules.exited("a", 0), true);
    assert.equal(rules.exited("b", 143), false);
    assert.equal(rules.exitCode, 0);
  });

  it("--abort-on-container-failure: zero exits pass, the first failure aborts with its status", () => {
    const rules = new ExitRules("fail");
    assert.equal(rules.exited("a", 0), false);
    assert.equal(rules.exited("b", 2), true);
    assert.equal(rules.exited("c", 143), false);
    assert.equal(rules.exitCode, 2);
  });

  it("--exit-code-from: that service's status, also when it exits after the abort; others' do not count", () => {
    const rules = new ExitRules("stop", "web");
    assert.equal(rules.exited("job", 1), true);
    assert.equal(rules.exitCode, 0);
    assert.equal(rules.exited("web", 137), false);
    assert.equal(rules.exitCode, 137);
  });
});
