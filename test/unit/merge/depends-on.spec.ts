import { strict as assert } from "node:assert";
import { mergedWeb } from "./merge-yaml.js";

describe("merge: depends_on", () => {
  it("merges list and mapping syntax by service, list entries getting the default condition", () => {
    const web = mergedWeb(
      "services: {web: {depends_on: [db, cache]}}",
      "services: {web: {depends_on: {db: {condition: service_healthy}, queue: {condition: service_started}}}}",
    );
    assert.deepEqual(web.depends_on, {
      db: { condition: "service_healthy", required: true },
      cache: { condition: "service_started", required: true },
      queue: { condition: "service_started" },
    });
  });

  it("merges the settings of one dependency key by key", () => {
    const web = mergedWeb(
      "services: {web: {depends_on: {db: {condition: service_healthy, restart: true}}}}",
      "services: {web: {depends_on: {db: {required: false}}}}",
    );
    assert.deepEqual(web.depends_on, { db: { condition: "service_healthy", restart: true, required: false } });
  });

  it("!reset drops one dependency, in either syntax below", () => {
    assert.deepEqual(mergedWeb("services: {web: {depends_on: [db, cache]}}", "services: {web: {depends_on: {db: !reset {}}}}").depends_on, {
      cache: { condition: "service_started", required: true },
    });
  });

  it("!override replaces all dependencies", () => {
    assert.deepEqual(mergedWeb("services: {web: {depends_on: [db]}}", "services: {web: {depends_on: !override [cache]}}").depends_on, ["cache"]);
  });
});
