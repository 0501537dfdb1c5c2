import { strict as assert } from "node:assert";
import { mergeFile } from "../../../src/compose/merge.js";
import { mergeYaml, mergedWeb } from "./merge-yaml.js";

describe("merge: mappings, sequences and scalars", () => {
  it("merges mappings by key, the later file winning for scalars", () => {
    const web = mergedWeb(
      "services: {web: {image: a, user: root, deploy: {replicas: 1, resources: {limits: {cpus: '1'}}}}}",
      "services: {web: {image: b, deploy: {resources: {limits: {memory: 1g}}}}}",
    );
    assert.deepEqual(web, { image: "b", user: "root", deploy: { replicas: 1, resources: { limits: { cpus: "1", memory: "1g" } } } });
  });

  it("appends sequences, dropping entries identical to one already there", () => {
    const web = mergedWeb("services: {web: {security_opt: [a, b]}}", "services: {web: {security_opt: [b, c]}}");
    assert.deepEqual(web.security_opt, ["a", "b", "c"]);
  });

  it("keeps the earlier value when the later file leaves a key empty", () => {
    const merged = mergeYaml("volumes: {data: {driver: local}}", "volumes: {data: }");
    assert.deepEqual(merged.volumes, { data: { driver: "local" } });
  });

  it("adds services and top-level resources that only the later file defines", () => {
    const merged = mergeYaml("services: {web: {image: a}}", "services: {db: {image: b}}\nnetworks: {front: {}}");
    assert.deepEqual(Object.keys(merged.services as object), ["web", "db"]);
    assert.deepEqual(merged.networks, { front: {} });
  });

  it("changes neither input", () => {
    const base = { services: { web: { image: "a", cap_add: ["X"] } } };
    const over = { data: { services: { web: { cap_add: ["Y"] } } }, resets: [["services", "web", "image"]], overrides: [] };
    const before = structuredClone([base, over]);
    mergeFile(base, over);
    assert.deepEqual([base, over], before);
  });
});
