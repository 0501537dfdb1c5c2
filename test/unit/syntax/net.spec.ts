import assert from "node:assert/strict";
import { ValueError } from "../../../src/compose/errors.js";
import { cidrOverlaps, ipInCIDR, isIP, isIPv6, parseCIDR, parseIPv4, type Cidr } from "../../../src/compose/syntax/net.js";

describe("parseIPv4", () => {
  const cases: [string, number[] | undefined][] = [
    ["10.0.0.1", [10, 0, 0, 1]],
    ["0.0.0.0", [0, 0, 0, 0]],
    ["255.255.255.255", [255, 255, 255, 255]],
    ["256.0.0.1", undefined],
    ["10.0.0", undefined],
    ["10.0.0.1.2", undefined],
    ["010.0.0.1", undefined],
    ["10.0.0.", undefined],
    ["1e1.0.0.1", undefined],
    [" 10.0.0.1", undefined],
    ["::1", undefined],
  ];
  for (const [text, octets] of cases) {
    it(`${JSON.stringify(text)} → ${JSON.stringify(octets)}`, () => assert.deepEqual(parseIPv4(text), octets));
  }
});

describe("isIPv6 / isIP", () => {
  const cases: [string, boolean][] = [
    ["::", true],
    ["::1", true],
    ["fe80::1", true],
    ["2001:db8::8a2e:370:7334", true],
    ["2001:0db8:0000:0000:0000:ff00:0042:8329", true],
    ["::ffff:192.0.2.1", true],
    ["64:ff9b::192.0.2.33", true],
    ["1:2:3:4:5:6:7::", true],
    ["1:2:3:4:5:6:7:8", true],
    ["1:2:3:4:5:6:7", false],
    ["1:2:3:4:5:6:7:8:9", false],
    ["1:2:3:4:5:6:7::8", false],
    ["1::2::3", false],
    ["12345::", false],
    ["g::1", false],
    ["::1.2.3", false],
    ["1.2.3.4::", false],
    ["fe80::1%eth0", false],
    ["[::1]", false],
    ["", false],
    ["10.0.0.1", false],
  ];
  for (const [text, v6] of cases) {
    it(`${JSON.stringify(text)} is ${v6 ? "" : "not "}IPv6`, () => assert.equal(isIPv6(text), v6));
  }
  it("isIP accepts either family and nothing else", () => {
    assert.equal(isIP("10.0.0.1"), true);
    assert.equal(isIP("::1"), true);
    assert.equal(isIP("localhost"), false);
  });
});

describe("parseCIDR", () => {
  const valid: [string, Cidr][] = [
    ["172.28.0.0/16", { address: "172.28.0.0", prefix: 16, family: 4 }],
    ["10.0.0.1/32", { address: "10.0.0.1", prefix: 32, family: 4 }],
    ["0.0.0.0/0", { address: "0.0.0.0", prefix: 0, family: 4 }],
    ["fd00::/64", { address: "fd00::", prefix: 64, family: 6 }],
    ["2001:db8:1::/48", { address: "2001:db8:1::", prefix: 48, family: 6 }],
  ];
  for (const [text, cidr] of valid) {
    it(`reads "${text}"`, () => assert.deepEqual(parseCIDR(text), cidr));
  }

  const usage = `(use an address and a prefix length, e.g. "172.28.0.0/16" or "fd00::/64")`;
  const invalid: [string, string][] = [
    ["10.0.0.0", `invalid CIDR "10.0.0.0" ${usage}`],
    ["10.0.0/8", `invalid CIDR "10.0.0/8" ${usage}`],
    ["10.0.0.0/8/8", `invalid CIDR "10.0.0.0/8/8" ${usage}`],
    ["10.0.0.0/33", `invalid prefix length in "10.0.0.0/33" (use 0-32)`],
    ["10.0.0.0/", `invalid prefix length in "10.0.0.0/" (use 0-32)`],
    ["10.0.0.0/08", `invalid prefix length in "10.0.0.0/08" (use 0-32)`],
    ["fd00::/129", `invalid prefix length in "fd00::/129" (use 0-128)`],
    ["10.0.0.1/24", `invalid CIDR "10.0.0.1/24": host bits are set (use "10.0.0.0/24")`],
    ["172.28.5.0/14", `invalid CIDR "172.28.5.0/14": host bits are set (use "172.28.0.0/14")`],
    ["fd00::1/64", `invalid CIDR "fd00::1/64": host bits are set (use "fd00::/64")`],
    ["2001:db8:0:0:1:0:0:1/64", `invalid CIDR "2001:db8:0:0:1:0:0:1/64": host bits are set (use "2001:db8::/64")`],
    ["1:0:0:2:0:0:0:3/120", `invalid CIDR "1:0:0:2:0:0:0:3/120": host bits are set (use "1:0:0:2::/120")`],
  ];
  for (const [text, message] of invalid) {
    it(`refuses "${text}"`, () => assert.throws(() => parseCIDR(text), new ValueError(message)));
  }
});

describe("ipInCIDR", () => {
  const cases: [string, string, boolean][] = [
    ["172.28.5.3", "172.28.0.0/16", true],
    ["172.29.0.1", "172.28.0.0/16", false],
    ["10.1.2.3", "0.0.0.0/0", true],
    ["10.0.0.1", "10.0.0.1/32", true],
    ["10.0.0.2", "10.0.0.1/32", false],
    ["fd00::42", "fd00::/64", true],
    ["fd00:0:0:1::42", "fd00::/64", false],
    ["::ffff:10.0.0.1", "10.0.0.0/8", false],
    ["10.0.0.1", "::/0", false],
  ];
  for (const [ip, cidr, inside] of cases) {
    it(`${ip} is ${inside ? "" : "not "}in ${cidr}`, () => assert.equal(ipInCIDR(ip, cidr), inside));
  }
  it("refuses an invalid address", () => {
    assert.throws(() => ipInCIDR("10.0.0.256", "10.0.0.0/8"), new ValueError(`invalid IP address "10.0.0.256"`));
  });
});

describe("cidrOverlaps", () => {
  const cases: [string, string, boolean][] = [
    ["172.28.0.0/16", "172.28.5.0/24", true],
    ["172.28.5.0/24", "172.28.0.0/16", true],
    ["172.28.0.0/16", "172.29.0.0/16", false],
    ["10.0.0.0/8", "10.0.0.0/8", true],
    ["0.0.0.0/0", "192.168.1.0/24", true],
    ["192.168.0.0/24", "192.168.1.0/24", false],
    ["fd00::/64", "fd00::/48", true],
    ["fd00:0:0:1::/64", "fd00::/64", false],
    ["::/0", "10.0.0.0/8", false],
  ];
  for (const [a, b, overlap] of cases) {
    it(`${a} and ${b} ${overlap ? "overlap" : "do not overlap"}`, () => assert.equal(cidrOverlaps(a, b), overlap));
  }
});
