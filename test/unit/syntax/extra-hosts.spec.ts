import assert from "node:assert/strict";
import { ValueError } from "../../../src/compose/errors.js";
import { extraHost, parseExtraHost, type ExtraHost } from "../../../src/compose/syntax/extra-hosts.js";

describe("parseExtraHost", () => {
  const valid: [string, ExtraHost[]][] = [
    ["somehost:162.242.195.82", [{ host: "somehost", ip: "162.242.195.82" }]],
    ["somehost=162.242.195.82", [{ host: "somehost", ip: "162.242.195.82" }]],
    ["myhostv6:[::1]", [{ host: "myhostv6", ip: "::1" }]],
    ["myhostv6:::1", [{ host: "myhostv6", ip: "::1" }]],
    ["myhostv6=::1", [{ host: "myhostv6", ip: "::1" }]],
    ["host.docker.internal:host-gateway", [{ host: "host.docker.internal", ip: "host-gateway" }]],
    ["multi=10.0.0.1,[fd00::1]", [{ host: "multi", ip: "10.0.0.1" }, { host: "multi", ip: "fd00::1" }]],
  ];
  for (const [entry, hosts] of valid) {
    it(`reads "${entry}"`, () => assert.deepEqual(parseExtraHost(entry), hosts));
  }

  const invalid: [string, string][] = [
    ["somehost", `invalid extra host "somehost" (use "host:ip" or "host=ip")`],
    [":10.0.0.1", `invalid host name "" (it must be non-empty, without ":" or "=")`],
    ["a:b=10.0.0.1", `invalid host name "a:b" (it must be non-empty, without ":" or "=")`],
    ["somehost:", `invalid IP address "" for host "somehost" (use an IPv4 or IPv6 address, or host-gateway)`],
    ["somehost:10.0.0", `invalid IP address "10.0.0" for host "somehost" (use an IPv4 or IPv6 address, or host-gateway)`],
    ["somehost:example.com", `invalid IP address "example.com" for host "somehost" (use an IPv4 or IPv6 address, or host-gateway)`],
    ["somehost=10.0.0.1,", `invalid IP address "" for host "somehost" (use an IPv4 or IPv6 address, or host-gateway)`],
    ["somehost:[]", `invalid IP address "[]" for host "somehost" (use an IPv4 or IPv6 address, or host-gateway)`],
  ];
  for (const [entry, message] of invalid) {
    it(`refuses "${entry}"`, () => assert.throws(() => parseExtraHost(entry), new ValueError(message)));
  }
});

describe("extraHost (mapping form)", () => {
  it("keeps a plain address and unwraps a bracketed one", () => {
    assert.deepEqual(extraHost("db", "10.0.0.5"), { host: "db", ip: "10.0.0.5" });
    assert.deepEqual(extraHost("db6", "[fd00::5]"), { host: "db6", ip: "fd00::5" });
  });
  it("does not split on commas: one value is one address", () => {
    assert.throws(() => extraHost("db", "10.0.0.1,10.0.0.2"), new ValueError(`invalid IP address "10.0.0.1,10.0.0.2" for host "db" (use an IPv4 or IPv6 address, or host-gateway)`));
  });
  it("checks the host name", () => {
    assert.throws(() => extraHost("a=b", "10.0.0.1"), new ValueError(`invalid host name "a=b" (it must be non-empty, without ":" or "=")`));
  });
});
