import { strict as assert } from "node:assert";
import { mergedWeb } from "./merge-yaml.js";

describe("merge: env_file and label_file", () => {
  it("appends env files in order, one entry per path, the later settings winning", () => {
    const web = mergedWeb("services: {web: {env_file: [a.env, b.env]}}", "services: {web: {env_file: [c.env, {path: a.env, required: false}]}}");
    assert.deepEqual(web.env_file, [{ path: "a.env", required: false }, "b.env", "c.env"]);
  });

  it("accepts one path on either side", () => {
    assert.deepEqual(mergedWeb("services: {web: {env_file: a.env}}", "services: {web: {env_file: b.env}}").env_file, ["a.env", "b.env"]);
    assert.deepEqual(mergedWeb("services: {web: {label_file: a.labels}}", "services: {web: {label_file: [b.labels, a.labels]}}").label_file, ["a.labels", "b.labels"]);
  });

  it("!reset clears the env files", () => {
    assert.equal(mergedWeb("services: {web: {env_file: a.env}}", "services: {web: {env_file: !reset []}}").env_file, undefined);
  });
});
