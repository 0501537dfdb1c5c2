// Restart policies' decisions and back-off, and the healthcheck's timeout wording: pure rules, as dockerd has them.
import assert from "node:assert/strict";
import { goDuration } from "../../../src/runtime/container/health.js";
import type { ContainerRecord } from "../../../src/runtime/container/record.js";
import { endsRestarts, nextDelay, policyRestarts } from "../../../src/runtime/container/restart.js";

function record(policy: { Name: string; MaximumRetryCount?: number }, exitCode: number, restartCount = 0, manuallyStopped = false, stopSignal?: string): ContainerRecord {
  return {
    HostConfig: { RestartPolicy: policy },
    State: { ExitCode: exitCode },
    RestartCount: restartCount,
    HasBeenManuallyStopped: manuallyStopped,
    Config: { ...(stopSignal && { StopSignal: stopSignal }) },
  } as unknown as ContainerRecord;
}

describe("restart policies", () => {
  it("restart after an exit as each policy says", () => {
    assert.equal(policyRestarts(record({ Name: "no" }, 1)), false);
    assert.equal(policyRestarts(record({ Name: "" }, 1)), false);
    assert.equal(policyRestarts(record({ Name: "always" }, 0)), true);
    assert.equal(policyRestarts(record({ Name: "always" }, 0, 0, true)), true, "always: even after a manual stop (berthd's start)");
    assert.equal(policyRestarts(record({ Name: "unless-stopped" }, 0)), true);
    assert.equal(policyRestarts(record({ Name: "unless-stopped" }, 0, 0, true)), false);
    assert.equal(policyRestarts(record({ Name: "on-failure" }, 0)), false);
    assert.equal(policyRestarts(record({ Name: "on-failure" }, 3, 50)), true, "no maximum with MaximumRetryCount 0");
    assert.equal(policyRestarts(record({ Name: "on-failure", MaximumRetryCount: 2 }, 1, 1)), true);
    assert.equal(policyRestarts(record({ Name: "on-failure", MaximumRetryCount: 2 }, 1, 2)), false);
  });

  it("end restarts on SIGKILL and the stop signal, on any signal when the container has no StopSignal", () => {
    assert.equal(endsRestarts(record({ Name: "always" }, 0), 9), true);
    assert.equal(endsRestarts(record({ Name: "always" }, 0), 10), true);
    assert.equal(endsRestarts(record({ Name: "always" }, 0, 0, false, "SIGQUIT"), 3), true);
    assert.equal(endsRestarts(record({ Name: "always" }, 0, 0, false, "SIGQUIT"), 9), true);
    assert.equal(endsRestarts(record({ Name: "always" }, 0, 0, false, "SIGQUIT"), 10), false);
  });

  it("back off from 100 ms, doubling up to a minute, and start over after 10 s of running", () => {
    const delays: number[] = [];
    let previous: number | undefined;
    for (let i = 0; i < 12; i++) delays.push((previous = nextDelay(previous, 50)));
    assert.deepEqual(delays, [100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000]);
    assert.equal(nextDelay(60000, 10_000), 100);
  });

  it("words a probe's timeout as Go prints durations", () => {
    assert.deepEqual([500, 1000, 2500, 30000, 90000, 3_600_000].map(goDuration), ["500ms", "1s", "2.5s", "30s", "1m30s", "1h0m0s"]);
  });
});
