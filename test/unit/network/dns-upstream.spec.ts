import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readDaemonConfig } from "../../../src/engine/config.js";
import { hostUpstreams, usableUpstreams } from "../../../src/runtime/network/dns-upstream.js";

describe("DNS upstreams", function () {
  it("takes the first three upstreams that are not the resolver's own addresses", function () {
    assert.deepEqual(usableUpstreams(["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"], []), ["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
    assert.deepEqual(usableUpstreams(["172.18.0.1", "10.0.0.2", "172.19.0.1", "10.0.0.3"], ["172.18.0.1", "172.19.0.1"]), ["10.0.0.2", "10.0.0.3"]);
    assert.deepEqual(usableUpstreams([], ["172.18.0.1"]), []);
  });

  it("reads the host's IPv4 nameservers from resolv.conf, and none from a missing file", async function () {
    const dir = mkdtempSync(join(tmpdir(), "berth-dns-"));
    try {
      const file = join(dir, "resolv.conf");
      writeFileSync(file, "# generated\nsearch example.com\nnameserver 127.0.0.53\n nameserver 192.0.2.1\nnameserver fe80::1%eth0\noptions edns0\n");
      assert.deepEqual(await hostUpstreams(file), ["127.0.0.53", "192.0.2.1"]);
      assert.deepEqual(await hostUpstreams(join(dir, "missing")), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("takes upstreams from daemon.json's \"dns\" list, as dockerd, and refuses what is not an IP address", function () {
    const root = mkdtempSync(join(tmpdir(), "berth-dns-"));
    try {
      assert.deepEqual(readDaemonConfig(root).dns, []);
      writeFileSync(join(root, "daemon.json"), JSON.stringify({ dns: ["192.0.2.53", "2001:db8::53"] }));
      assert.deepEqual(readDaemonConfig(root).dns, ["192.0.2.53", "2001:db8::53"]);
      writeFileSync(join(root, "daemon.json"), JSON.stringify({ dns: ["dns.example"] }));
      assert.throws(() => readDaemonConfig(root), {
        message: `unable to configure the berth daemon with file ${join(root, "daemon.json")}: IP address is not correctly formatted: dns.example`,
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
