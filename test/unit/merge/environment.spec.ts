import { strict as assert } from "node:assert";
import { mergedWeb } from "./merge-yaml.js";

describe("merge: environment", () => {
  it("merges mappings by variable, the later value winning", () => {
    const web = mergedWeb("services: {web: {environment: {TZ: utc, PORT: 80}}}", "services: {web: {environment: {PORT: 8080}}}");
    assert.deepEqual(web.environment, { TZ: "utc", PORT: 8080 });
  });

  it("merges list and mapping syntax into a mapping", () => {
    const web = mergedWeb("services: {web: {environment: [TZ=utc, PORT=80, FROM_SHELL]}}", "services: {web: {environment: {PORT: 8080, EMPTY: ''}}}");
    assert.deepEqual(web.environment, { TZ: "utc", PORT: 8080, FROM_SHELL: null, EMPTY: "" });
  });

  it("a bare variable on top unsets the value below (it comes from the shell instead)", () => {
    const web = mergedWeb("services: {web: {environment: {A: x, B: y}}}", "services: {web: {environment: [A, B=]}}");
    assert.deepEqual(web.environment, { A: null, B: "" });
  });

  it("keeps a single side in its own syntax", () => {
    assert.deepEqual(mergedWeb("services: {web: {image: a}}", "services: {web: {environment: [A=1]}}").environment, ["A=1"]);
  });

  it("!reset removes one variable, !override replaces them all", () => {
    const base = "services: {web: {environment: {A: '1', B: '2'}}}";
    assert.deepEqual(mergedWeb(base, "services: {web: {environment: {A: !reset null, C: '3'}}}").environment, { B: "2", C: "3" });
    assert.deepEqual(mergedWeb(base, "services: {web: {environment: !override [C=3]}}").environment, ["C=3"]);
  });
});
