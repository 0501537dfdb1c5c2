import { strict as assert } from "node:assert";
import { mergedWeb } from "./merge-yaml.js";

describe("merge: !reset and !override", () => {
  const base = "services: {web: {image: a, ports: ['8080:80'], environment: {FOO: bar, KEEP: '1'}, cap_add: [X]}}";

  it("!reset removes a whole key from what is below", () => {
    const web = mergedWeb(base, "services: {web: {ports: !reset []}}");
    assert.equal(web.ports, undefined);
    assert.equal(web.image, "a");
  });

  it("!reset removes one entry of a mapping, in either syntax below", () => {
    assert.deepEqual(mergedWeb(base, "services: {web: {environment: {FOO: !reset null}}}").environment, { KEEP: "1" });
    const listBase = "services: {web: {environment: [FOO=bar, KEEP=1]}}";
    assert.deepEqual(mergedWeb(listBase, "services: {web: {environment: {FOO: !reset null}}}").environment, { KEEP: "1" });
  });

  it("!override replaces instead of merging, for sequences and mappings", () => {
    const web = mergedWeb(base, "services: {web: {ports: !override ['8443:443'], environment: !override {ONLY: x}}}");
    assert.deepEqual(web.ports, ["8443:443"]);
    assert.deepEqual(web.environment, { ONLY: "x" });
    assert.deepEqual(web.cap_add, ["X"]);
  });

  it("!override on a whole service drops everything below", () => {
    const web = mergedWeb(base, "services: {web: !override {image: b}}");
    assert.deepEqual(web, { image: "b" });
  });
});
