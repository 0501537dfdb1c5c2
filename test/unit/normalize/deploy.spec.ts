import assert from "node:assert/strict";
import { userError, web } from "./fixture.js";

describe("normalize: deploy", () => {
  it("writes sizes in bytes, durations as Go does, and labels as a map", () => {
    const deploy = web(`
services:
  web:
    image: x
    deploy:
      replicas: 2
      labels: [tier=front]
      resources:
        limits: {cpus: 0.5, memory: 512m, pids: 100}
        reservations: {memory: 128m, devices: [{capabilities: [gpu], x-a: 1}]}
      restart_policy: {condition: on-failure, delay: 5s, window: 120s}
      update_config: {parallelism: 2, delay: 10s, monitor: 60s}
`).deploy;
    assert.deepEqual(deploy, {
      replicas: 2,
      labels: { tier: "front" },
      resources: {
        limits: { cpus: 0.5, memory: "536870912", pids: 100 },
        reservations: { memory: "134217728", devices: [{ capabilities: ["gpu"] }] },
      },
      restart_policy: { condition: "on-failure", delay: "5s", window: "2m0s" },
      update_config: { parallelism: 2, delay: "10s", monitor: "1m0s" },
    });
  });

  it("locates an invalid memory size", () => {
    const err = userError(() => web("services: {web: {image: x, deploy: {resources: {limits: {memory: 12q}}}}}"));
    assert.deepEqual(err.path, ["services", "web", "deploy", "resources", "limits", "memory"]);
  });
});
