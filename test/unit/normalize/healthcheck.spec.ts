import assert from "node:assert/strict";
import { userError, web } from "./fixture.js";

describe("normalize: healthcheck", () => {
  it("runs a string test in the shell and writes durations as Go does", () => {
    const healthcheck = web("services: {web: {image: x, healthcheck: {test: curl -f localhost, interval: 90s, timeout: 1500ms, start_period: 0, retries: 3}}}").healthcheck;
    assert.deepEqual(healthcheck, { test: ["CMD-SHELL", "curl -f localhost"], interval: "1m30s", timeout: "1.5s", start_period: "0s", retries: 3 });
  });

  it("keeps a list test as written", () => {
    assert.deepEqual(web("services: {web: {image: x, healthcheck: {test: [CMD, pg_isready]}}}").healthcheck, { test: ["CMD", "pg_isready"] });
  });

  it("locates an invalid duration at its key", () => {
    const err = userError(() => web("services:\n  web:\n    image: x\n    healthcheck:\n      interval: 10x\n"));
    assert.equal(err.message, 'compose.yaml:5:7: services.web.healthcheck.interval: invalid duration "10x" (use a number with a unit: ns, us, ms, s, m, h, e.g. "1m30s")');
  });
});
