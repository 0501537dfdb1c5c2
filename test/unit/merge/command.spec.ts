import { strict as assert } from "node:assert";
import { mergedWeb } from "./merge-yaml.js";

describe("merge: command, entrypoint, healthcheck.test", () => {
  it("replaces command and entrypoint instead of appending, in either syntax", () => {
    const web = mergedWeb(
      "services: {web: {command: [echo, foo], entrypoint: /bin/sh -c}}",
      "services: {web: {command: echo bar, entrypoint: [/init]}}",
    );
    assert.equal(web.command, "echo bar");
    assert.deepEqual(web.entrypoint, ["/init"]);
  });

  it("replaces healthcheck.test and merges the rest of the healthcheck", () => {
    const web = mergedWeb(
      "services: {web: {healthcheck: {test: [CMD, a], interval: 5s, retries: 3}}}",
      "services: {web: {healthcheck: {test: [CMD-SHELL, b], retries: 5}}}",
    );
    assert.deepEqual(web.healthcheck, { test: ["CMD-SHELL", "b"], interval: "5s", retries: 5 });
  });
});
