import assert from "node:assert/strict";
import { ValueError } from "../../../src/compose/errors.js";
import { parseRestartPolicy, type RestartPolicy } from "../../../src/compose/syntax/restart.js";

describe("parseRestartPolicy", () => {
  const valid: [string, RestartPolicy][] = [
    ["no", { name: "no" }],
    ["", { name: "no" }],
    ["always", { name: "always" }],
    ["unless-stopped", { name: "unless-stopped" }],
    ["on-failure", { name: "on-failure" }],
    ["on-failure:", { name: "on-failure" }],
    ["on-failure:3", { name: "on-failure", maxRetries: 3 }],
    ["on-failure:0", { name: "on-failure", maxRetries: 0 }],
  ];
  for (const [text, policy] of valid) {
    it(`reads "${text}"`, () => assert.deepEqual(parseRestartPolicy(text), policy));
  }

  const usage = `(use no, always, on-failure[:max-retries] or unless-stopped)`;
  const invalid: [string, string][] = [
    ["yes", `invalid restart policy "yes" ${usage}`],
    ["Always", `invalid restart policy "Always" ${usage}`],
    [":3", `invalid restart policy ":3" ${usage}`],
    ["on_failure:3", `invalid restart policy "on_failure:3" ${usage}`],
    ["always:3", `a retry count is only allowed with on-failure, not with "always"`],
    ["no:1", `a retry count is only allowed with on-failure, not with "no"`],
    ["on-failure:-1", `invalid retry count "-1" (use a whole number, e.g. "on-failure:3")`],
    ["on-failure:three", `invalid retry count "three" (use a whole number, e.g. "on-failure:3")`],
    ["on-failure:3:4", `invalid retry count "3:4" (use a whole number, e.g. "on-failure:3")`],
  ];
  for (const [text, message] of invalid) {
    it(`refuses "${text}"`, () => assert.throws(() => parseRestartPolicy(text), new ValueError(message)));
  }
});
