// /etc/hosts and /etc/resolv.conf of a container on networks: its own addresses, its network's DNS server.
import assert from "node:assert/strict";
import { hostsFile, resolvConf } from "../../../src/runtime/container/etc-files.js";

describe("container /etc files on networks", () => {
  it("names the container at each of its addresses, after localhost and ExtraHosts", () => {
    const hosts = hostsFile({ hostNetwork: false, hostname: "web", extraHosts: ["db:10.0.0.5"], addresses: ["172.18.0.2", "10.9.0.3"] });
    assert.match(hosts, /^127\.0\.0\.1\tlocalhost\n/);
    assert.ok(hosts.endsWith("10.0.0.5\tdb\n172.18.0.2\tweb\n10.9.0.3\tweb\n"), hosts);
    assert.doesNotMatch(hosts, /127\.0\.1\.1/, "no loopback alias once it has addresses");
    assert.match(hostsFile({ hostNetwork: false, hostname: "alone", extraHosts: [], addresses: [] }), /^127\.0\.1\.1\talone$/m);
  });

  it("points resolv.conf at the network's DNS server alone, keeping the given search domains and options", () => {
    const dns = { servers: ["10.0.0.53"], search: ["example.test"], options: ["ndots:2"] };
    assert.equal(resolvConf(dns, false, "172.18.0.1"), "nameserver 172.18.0.1\nsearch example.test\noptions ndots:2\n");
    assert.equal(resolvConf(dns, false), "nameserver 10.0.0.53\nsearch example.test\noptions ndots:2\n");
  });

  it("adds options ndots:0 on a user network, as Docker does, after the given options", () => {
    const dns = { servers: [], search: [], options: ["edns0"] };
    assert.equal(resolvConf(dns, false, "172.18.0.1"), "nameserver 172.18.0.1\noptions edns0 ndots:0\n");
    assert.doesNotMatch(resolvConf({ servers: ["10.0.0.53"], search: [], options: ["edns0"] }, false), /ndots/, "not without the network's server");
  });
});
