import assert from "node:assert/strict";
import { dnsEntry, dnsNetwork } from "../../../src/runtime/network/dns.js";
import type { EndpointRecord, NetworkRecord } from "../../../src/runtime/network/store.js";

function network(name: string, internal = false): NetworkRecord {
  return {
    Id: `id-${name}`, Name: name, Created: "2026-01-01T00:00:00Z", Driver: "bridge", EnableIPv6: false, Internal: internal, Attachable: false,
    IPAM: { Driver: "default", Config: [{ Subnet: "10.5.0.0/24", Gateway: "10.5.0.1" }], Options: {} }, Options: {}, Labels: {},
    BridgeName: "br-x", Mtu: 1500,
  };
}

describe("DNS view of network records", function () {
  it("serves user networks on their gateway, and never Docker's default bridge", function () {
    assert.deepEqual(dnsNetwork(network("shop_default", true)), {
      id: "id-shop_default", name: "shop_default", gateway: "10.5.0.1", subnet: "10.5.0.0/24", internal: true,
    });
    assert.equal(dnsNetwork(network("bridge")), undefined);
  });

  it("answers an endpoint's DNSNames at its address", function () {
    const endpoint = { ContainerID: "c1", IPAddress: "10.5.0.2", Name: "shop-web-1", DNSNames: ["shop-web-1", "web", "c1"] } as EndpointRecord;
    assert.deepEqual(dnsEntry(endpoint), { containerId: "c1", address: "10.5.0.2", names: ["shop-web-1", "web", "c1"] });
  });
});
