import { strict as assert } from "node:assert";
import { mergedWeb } from "./merge-yaml.js";

describe("merge: expose and profiles", () => {
  it("keeps one expose entry per port, numbers and text alike", () => {
    assert.deepEqual(mergedWeb("services: {web: {expose: [80, '443']}}", "services: {web: {expose: ['80', 8080]}}").expose, ["80", "443", 8080]);
  });

  it("appends profiles without repeats; !reset removes them", () => {
    assert.deepEqual(mergedWeb("services: {web: {profiles: [a]}}", "services: {web: {profiles: [b, a]}}").profiles, ["a", "b"]);
    assert.equal(mergedWeb("services: {web: {profiles: [a]}}", "services: {web: {profiles: !reset []}}").profiles, undefined);
  });
});
