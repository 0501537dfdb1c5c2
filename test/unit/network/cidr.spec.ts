import assert from "node:assert/strict";
import { contains, formatIPv4, formatSubnet, lastAddress, networkOf, overlaps, parseCidr, parseIPv4, within } from "../../../src/runtime/network/cidr.js";

describe("IPv4 arithmetic", function () {
  it("parses and prints addresses across the whole range", function () {
    for (const text of ["0.0.0.0", "10.16.0.1", "192.0.2.255", "255.255.255.255"]) assert.equal(formatIPv4(parseIPv4(text)!), text);
    assert.equal(parseIPv4("255.255.255.255"), 2 ** 32 - 1);
    for (const bad of ["256.0.0.1", "1.2.3", "1.2.3.4.5", "a.b.c.d", " 1.2.3.4", "1.2.3.4/24"]) assert.equal(parseIPv4(bad), undefined, bad);
  });

  it("parses prefixes, keeping host bits for the caller to judge", function () {
    assert.deepEqual(parseCidr("10.1.2.3/24"), { address: parseIPv4("10.1.2.3"), prefix: 24 });
    for (const bad of ["10.1.2.0", "10.1.2.0/33", "10.1.2.0/", "10.1.2.0/2x"]) assert.equal(parseCidr(bad), undefined, bad);
    assert.equal(formatIPv4(networkOf(parseIPv4("10.1.2.3")!, 24)), "10.1.2.0");
    assert.equal(formatIPv4(networkOf(parseIPv4("255.255.255.255")!, 1)), "128.0.0.0");
  });

  it("compares prefixes", function () {
    const s = (text: string) => ({ base: parseCidr(text)!.address, prefix: parseCidr(text)!.prefix });
    assert.equal(formatIPv4(lastAddress(s("10.1.0.0/16"))), "10.1.255.255");
    assert.equal(formatSubnet(s("0.0.0.0/0")), "0.0.0.0/0");
    assert.equal(formatIPv4(lastAddress(s("0.0.0.0/0"))), "255.255.255.255");
    assert.equal(overlaps(s("10.1.0.0/16"), s("10.1.200.0/24")), true);
    assert.equal(overlaps(s("10.1.0.0/24"), s("10.1.1.0/24")), false);
    assert.equal(within(s("10.1.5.0/24"), s("10.1.0.0/16")), true);
    assert.equal(within(s("10.1.0.0/15"), s("10.1.0.0/16")), false);
    assert.equal(contains(s("10.1.0.0/24"), parseIPv4("10.1.0.255")!), true);
    assert.equal(contains(s("10.1.0.0/24"), parseIPv4("10.1.1.0")!), false);
  });
});
