// The local driver's DriverOpts: what each kind of volume is backed by, and Docker's refusals.
import assert from "node:assert/strict";
import { checkDevice, localBacking } from "../../../src/runtime/volume/local-driver.js";

describe("localBacking", () => {
  it("backs a volume without options by its own directory", () => {
    assert.deepEqual(localBacking({}), { kind: "directory" });
  });

  it("reads type=none,o=bind as a host directory, read-only with ro", () => {
    assert.deepEqual(localBacking({ type: "none", o: "bind", device: "/srv/site" }), { kind: "bind", device: "/srv/site", readOnly: false });
    assert.deepEqual(localBacking({ type: "none", o: "rbind,ro", device: "/srv/site" }), { kind: "bind", device: "/srv/site", readOnly: true });
  });

  it("reads type=tmpfs with its o= options, and no container defaults", () => {
    assert.deepEqual(localBacking({ type: "tmpfs", device: "tmpfs", o: "size=100m,uid=1000,mode=0700" }), { kind: "tmpfs", options: ["size=100m", "uid=1000", "mode=0700"] });
  });

  it("refuses what it cannot mount, saying what it can", () => {
    const refuses = (options: Record<string, string>, message: string) => assert.throws(() => localBacking(options), { message });
    refuses({ device: "/x" }, 'missing required option: "type"');
    refuses({ o: "bind" }, 'missing required option: "device"');
    refuses({ type: "none", o: "bind,uid=5", device: "/x" }, 'invalid bind option "uid=5" in o=bind,uid=5: valid are bind, rbind, ro, rw');
    refuses({ type: "none", o: "bind", device: "x" }, 'invalid device "x" for o=bind: it must be an absolute path of a host directory');
    refuses({ type: "none", device: "/x" }, "berth's local driver cannot mount type=none: it supports type=none with o=bind and device=/host/dir, and type=tmpfs with device=tmpfs");
    refuses({ size: "10G" }, "quota size requested but no quota support: berth's local driver has no quotas; for a size-limited volume use type=tmpfs with o=size=...");
  });

  it("checks that a bind volume's host directory exists and is a directory", () => {
    assert.doesNotThrow(() => checkDevice({ kind: "bind", device: "/tmp", readOnly: false }));
    assert.throws(() => checkDevice({ kind: "bind", device: "/etc/hostname", readOnly: false }), { message: 'invalid device "/etc/hostname" for o=bind: it is not a directory' });
  });
});
