import assert from "node:assert/strict";
import { ValueError } from "../../../src/compose/errors.js";
import { parsePullPolicy, type PullPolicy } from "../../../src/compose/syntax/pull-policy.js";

describe("parsePullPolicy", () => {
  const HOUR = 3_600_000;
  const valid: [string, PullPolicy][] = [
    ["always", { kind: "always" }],
    ["never", { kind: "never" }],
    ["missing", { kind: "missing" }],
    ["if_not_present", { kind: "missing" }],
    ["refresh", { kind: "missing" }],
    ["build", { kind: "build" }],
    ["daily", { kind: "refresh", intervalMs: 24 * HOUR }],
    ["weekly", { kind: "refresh", intervalMs: 7 * 24 * HOUR }],
    ["every_12h", { kind: "refresh", intervalMs: 12 * HOUR }],
    ["every_30m", { kind: "refresh", intervalMs: 30 * 60_000 }],
    ["every_1d12h", { kind: "refresh", intervalMs: 36 * HOUR }],
    ["every_2w", { kind: "refresh", intervalMs: 14 * 24 * HOUR }],
    ["every_1.5h", { kind: "refresh", intervalMs: 1.5 * HOUR }],
    ["every_90s", { kind: "refresh", intervalMs: 90_000 }],
  ];
  for (const [text, policy] of valid) {
    it(`reads "${text}"`, () => assert.deepEqual(parsePullPolicy(text), policy));
  }

  const invalid: [string, RegExp][] = [
    ["sometimes", /^invalid pull policy "sometimes" \(use always, never, missing, build, daily, weekly or every_<duration>, e\.g\. every_12h\)$/],
    ["every_", /^invalid pull policy "every_": "" is no duration above zero/],
    ["every_12", /"12" is no duration/],
    ["every_12x", /"12x" is no duration/],
    ["every_0s", /"0s" is no duration above zero/],
    ["every_1h-", /"1h-" is no duration/],
    ["every_h", /"h" is no duration/],
  ];
  for (const [text, message] of invalid) {
    it(`refuses "${text}"`, () =>
      assert.throws(
        () => parsePullPolicy(text),
        (err) => err instanceof ValueError && message.test(err.message),
      ));
  }
});
