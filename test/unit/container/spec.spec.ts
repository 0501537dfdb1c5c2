// Pure parts of turning a container into the monitor's spec: capabilities, signals, environment, identity, /etc files.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hostsFile, resolvConf } from "../../../src/runtime/container/etc-files.js";
import { humanDuration } from "../../../src/runtime/container/inspect.js";
import { timeNanos } from "../../../src/runtime/container/logs.js";
import { checkName, generateName } from "../../../src/runtime/container/names.js";
import { capabilities, signalNumber } from "../../../src/runtime/container/spec.js";
import { resolveIdentity } from "../../../src/runtime/container/user.js";
import { DOCKER_DEFAULT_CAPS } from "../../../src/runtime/native.js";

describe("container spec parts", () => {
  it("computes capabilities as Docker does", () => {
    assert.deepEqual(capabilities({}), [...DOCKER_DEFAULT_CAPS]);
    assert.deepEqual(capabilities({ CapDrop: ["ALL"], CapAdd: ["chown"] }), ["CAP_CHOWN"]);
    assert.ok(capabilities({ CapAdd: ["NET_ADMIN"] }).includes("CAP_NET_ADMIN"));
    assert.ok(!capabilities({ CapDrop: ["KILL"] }).includes("CAP_KILL"));
    assert.equal(capabilities({ Privileged: true }).length, 41);
  });

  it("reads signals by name, short name or number, and names what is valid otherwise", () => {
    assert.equal(signalNumber("SIGTERM"), 15);
    assert.equal(signalNumber("kill"), 9);
    assert.equal(signalNumber("10"), 10);
    assert.throws(() => signalNumber("SIGNOPE"), /invalid signal: SIGNOPE: use a name such as SIGTERM/);
    assert.throws(() => signalNumber("99"), /invalid signal/);
  });

  it("validates and generates names", () => {
    assert.equal(checkName("/web-1"), "web-1");
    assert.throws(() => checkName("a b"), /Invalid container name \(a b\)/);
    const name = generateName(() => false);
    assert.match(name, /^[a-z]+_[a-z]+$/);
    assert.match(generateName((n) => !/\d$/.test(n)), /^[a-z]+_[a-z]+2$/, "numbered when the plain name is taken");
  });

  it("resolves users and groups from the topmost layer that has the files, never through a symlinked /etc", async () => {
    const root = mkdtempSync(join(tmpdir(), "berth-user-"));
    try {
      const [upper, layer, evil] = ["upper", "layer", "evil"].map((d) => join(root, d));
      mkdirSync(join(layer, "etc"), { recursive: true });
      writeFileSync(join(layer, "etc/passwd"), "root:x:0:0::/root:/bin/sh\nbob:x:1000:100:Bob:/home/bob:/bin/sh\n");
      writeFileSync(join(layer, "etc/group"), "users:x:100:\nwheel:x:10:bob\ndocker:x:999:\n");
      mkdirSync(upper);
      assert.deepEqual(await resolveIdentity("bob", ["docker"], [upper, layer]), { uid: 1000, gid: 100, groups: [10, 999], home: "/home/bob" });
      assert.deepEqual(await resolveIdentity("1000:wheel", [], [upper, layer]), { uid: 1000, gid: 10, groups: [10], home: "/home/bob" });
      assert.deepEqual(await resolveIdentity("", [], [upper, layer]), { uid: 0, gid: 0, groups: [], home: "/root" });
      assert.deepEqual(await resolveIdentity("4242", [], [upper, layer]), { uid: 4242, gid: 0, groups: [], home: "/" });
      await assert.rejects(resolveIdentity("alice", [], [upper, layer]), /unable to find user alice/);
      await assert.rejects(resolveIdentity("bob:nogroup", [], [upper, layer]), /unable to find group nogroup/);
      // A layer whose /etc points at the host's must not make the host's passwd count.
      mkdirSync(evil);
      symlinkSync("/etc", join(evil, "etc"));
      await assert.rejects(resolveIdentity("daemon", [], [evil, layer]), /unable to find user daemon/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("writes hosts and resolv.conf for a private network", () => {
    const hosts = hostsFile({ hostNetwork: false, hostname: "box", extraHosts: ["db:10.0.0.5", "v6:[::1]"] });
    assert.match(hosts, /^127\.0\.0\.1\tlocalhost$/m);
    assert.match(hosts, /^127\.0\.1\.1\tbox$/m);
    assert.match(hosts, /^10\.0\.0\.5\tdb$/m);
    assert.match(hosts, /^::1\tv6$/m);
    assert.throws(() => hostsFile({ hostNetwork: false, hostname: "b", extraHosts: ["nocolon"] }), /invalid ExtraHosts entry "nocolon"/);
    assert.equal(resolvConf({ servers: ["10.0.0.53"], search: ["example.test"], options: ["ndots:2"] }, false),
      "nameserver 10.0.0.53\nsearch example.test\noptions ndots:2\n");
  });

  it("formats durations and log times as Docker does", () => {
    assert.equal(humanDuration(400), "Less than a second");
    assert.equal(humanDuration(1000), "1 second");
    assert.equal(humanDuration(45_000), "45 seconds");
    assert.equal(humanDuration(61_000), "About a minute");
    assert.equal(humanDuration(3 * 3600_000), "3 hours");
    assert.equal(timeNanos("2026-11-30T17:00:00.123456789Z"), 1796058000123456789n);
  });
});
