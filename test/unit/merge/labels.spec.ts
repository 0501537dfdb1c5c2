import { strict as assert } from "node:assert";
import { mergeYaml, mergedWeb } from "./merge-yaml.js";

describe("merge: labels, annotations, sysctls and other K=V keys", () => {
  it("merges service labels, annotations and sysctls by key across both syntaxes", () => {
    const web = mergedWeb(
      "services: {web: {labels: [a=1, b=2], annotations: {x: '1'}, sysctls: [net.core.somaxconn=1024]}}",
      "services: {web: {labels: {b: '3'}, annotations: [y=2], sysctls: {net.core.somaxconn: 2048, net.ipv4.tcp_syncookies: 0}}}",
    );
    assert.deepEqual(web.labels, { a: "1", b: "3" });
    assert.deepEqual(web.annotations, { x: "1", y: "2" });
    assert.deepEqual(web.sysctls, { "net.core.somaxconn": 2048, "net.ipv4.tcp_syncookies": 0 });
  });

  it("merges deploy labels and the labels of networks, volumes, secrets and configs", () => {
    const merged = mergeYaml(
      "services: {web: {deploy: {labels: [a=1]}}}\nnetworks: {n: {labels: [a=1]}}\nvolumes: {v: {labels: {a: '1'}}}\nsecrets: {s: {file: ./s, labels: [a=1]}}",
      "services: {web: {deploy: {labels: [b=2]}}}\nnetworks: {n: {labels: {a: '2'}}}\nvolumes: {v: {labels: [b=2]}}\nsecrets: {s: {labels: {b: '2'}}}",
    );
    assert.deepEqual(((merged.services as any).web.deploy as any).labels, { a: "1", b: "2" });
    assert.deepEqual((merged.networks as any).n.labels, { a: "2" });
    assert.deepEqual((merged.volumes as any).v.labels, { a: "1", b: "2" });
    assert.deepEqual((merged.secrets as any).s, { file: "./s", labels: { a: "1", b: "2" } });
  });

  it("!reset removes one label", () => {
    assert.deepEqual(mergedWeb("services: {web: {labels: [a=1, b=2]}}", "services: {web: {labels: {a: !reset null}}}").labels, { b: "2" });
  });
});
