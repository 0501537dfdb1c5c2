import { strict as assert } from "node:assert";
import { mergeYaml, mergedWeb } from "./merge-yaml.js";

describe("merge: networks", () => {
  it("merges a service's networks by name across list and mapping syntax", () => {
    const web = mergedWeb("services: {web: {networks: [front, back]}}", "services: {web: {networks: {back: {aliases: [api]}, admin: }}}");
    assert.deepEqual(web.networks, { front: null, back: { aliases: ["api"] }, admin: null });
  });

  it("appends aliases of one network, without duplicates", () => {
    const web = mergedWeb("services: {web: {networks: {front: {aliases: [a, b]}}}}", "services: {web: {networks: {front: {aliases: [b, c], ipv4_address: 10.0.0.2}}}}");
    assert.deepEqual(web.networks, { front: { aliases: ["a", "b", "c"], ipv4_address: "10.0.0.2" } });
  });

  it("merges IPAM pools by subnet", () => {
    const merged = mergeYaml(
      "networks: {n: {ipam: {driver: default, config: [{subnet: 10.0.0.0/24, gateway: 10.0.0.1}, {subnet: 10.1.0.0/24}]}}}",
      "networks: {n: {ipam: {config: [{subnet: 10.0.0.0/24, ip_range: 10.0.0.128/25}, {subnet: 10.2.0.0/24}]}}}",
    );
    assert.deepEqual((merged.networks as any).n.ipam, {
      driver: "default",
      config: [{ subnet: "10.0.0.0/24", gateway: "10.0.0.1", ip_range: "10.0.0.128/25" }, { subnet: "10.1.0.0/24" }, { subnet: "10.2.0.0/24" }],
    });
  });

  it("!reset removes a service from one network", () => {
    assert.deepEqual(mergedWeb("services: {web: {networks: [front, back]}}", "services: {web: {networks: {front: !reset null}}}").networks, { back: null });
  });
});
