// Binds, Mounts, Tmpfs and image volumes into one ordered plan, with dockerd's validation messages.
import assert from "node:assert/strict";
import { EngineError } from "../../../src/runtime/image/errors.js";
import { planMounts, type MountConfig, type MountSources } from "../../../src/runtime/volume/mounts.js";

function rejects(sources: MountSources, message: string): void {
  assert.throws(
    () => planMounts(sources),
    (err: unknown) => err instanceof EngineError && err.kind === "InvalidArgument" && err.message === message,
    message,
  );
}

const mount = (m: MountConfig) => planMounts({ Mounts: [m] })[0];

describe("planMounts", () => {
  describe("Binds", () => {
    it("reads a host path as a bind that is created when missing, rprivate by default", () => {
      assert.deepEqual(planMounts({ Binds: ["/srv/app/:/app"] }), [
        { type: "bind", source: "/srv/app", target: "/app", readOnly: false, mode: "", propagation: "rprivate", createSource: true },
      ]);
    });

    it("reads the mode: ro, a propagation, labels", () => {
      const [bind] = planMounts({ Binds: ["/src:/code:ro,rshared,Z"] });
      assert.deepEqual(bind, { type: "bind", source: "/src", target: "/code", readOnly: true, mode: "ro,rshared,Z", propagation: "rshared", createSource: true });
    });

    it("reads a name as a named volume (mode z as dockerd reports it) and a lone path as an anonymous one", () => {
      // Sorted parents first: /cache before the deeper data directory.
      const [anonymous, named] = planMounts({ Binds: ["pgdata:/var/lib/postgresql/data:nocopy", "/cache"] });
      assert.equal(named!.type, "volume");
      assert.deepEqual(named, {
        type: "volume", name: "pgdata", target: "/var/lib/postgresql/data", readOnly: false, mode: "nocopy",
        driver: "local", driverOptions: {}, labels: {}, noCopy: true, subpath: "",
      });
      assert.equal(planMounts({ Binds: ["data:/data"] })[0]!.mode, "z");
      assert.equal(anonymous!.type === "volume" && anonymous!.name, undefined);
      assert.equal(anonymous!.target, "/cache");
    });

    it("rejects malformed entries with dockerd's messages", () => {
      rejects({ Binds: [":/x"] }, "invalid volume specification: ':/x'");
      rejects({ Binds: ["/a:/b:ro:extra"] }, "invalid volume specification: '/a:/b:ro:extra'");
      rejects({ Binds: ["/data:ro"] }, "invalid volume specification: '/data:ro'");
      rejects({ Binds: ["/a:/b:rx"] }, "invalid mode: rx");
      rejects({ Binds: ["/a:/b:ro,rw"] }, "invalid mode: ro,rw");
      rejects({ Binds: ["/a:b"] }, "invalid volume specification: '/a:b': invalid mount config for type \"bind\": invalid mount path: 'b' mount path must be absolute");
      rejects({ Binds: ["/a:/"] }, "invalid volume specification: '/a:/': invalid mount config for type \"bind\": invalid specification: destination can't be '/'");
      rejects({ Binds: ["data:/d:rshared"] }, "invalid volume specification: 'data:/d:rshared': invalid mount config for type \"volume\": field BindOptions must not be specified");
      rejects({ Binds: ["/a:/d:nocopy"] }, "invalid volume specification: '/a:/d:nocopy': invalid mount config for type \"bind\": field VolumeOptions must not be specified");
    });
  });

  describe("Mounts", () => {
    it("binds need an existing source unless CreateMountpoint (checked at create), keep ReadOnly and Propagation", () => {
      assert.deepEqual(mount({ Type: "bind", Source: "/etc/./ssl/", Target: "/ssl/", ReadOnly: true, BindOptions: { Propagation: "rslave" } }), {
        type: "bind", source: "/etc/ssl", target: "/ssl", readOnly: true, mode: "", propagation: "rslave", createSource: false,
      });
      assert.equal((mount({ Type: "bind", Source: "/new", Target: "/n", BindOptions: { CreateMountpoint: true } }) as { createSource: boolean }).createSource, true);
    });

    it("volumes take NoCopy, Subpath, Labels and DriverConfig", () => {
      const volume = mount({
        Type: "volume", Source: "web", Target: "/srv", ReadOnly: true,
        VolumeOptions: { NoCopy: true, Subpath: "static/./css", Labels: { a: "b" }, DriverConfig: { Name: "local", Options: { type: "tmpfs", device: "tmpfs" } } },
      });
      assert.deepEqual(volume, {
        type: "volume", name: "web", target: "/srv", readOnly: true, mode: "", driver: "local",
        driverOptions: { type: "tmpfs", device: "tmpfs" }, labels: { a: "b" }, noCopy: true, subpath: "static/css",
      });
    });

    it("tmpfs takes SizeBytes and Mode over Docker's defaults", () => {
      assert.deepEqual(mount({ Type: "tmpfs", Target: "/run", TmpfsOptions: { SizeBytes: 64 * 2 ** 20, Mode: 0o1777 } }), {
        type: "tmpfs", target: "/run", readOnly: false, mode: "", options: ["noexec", "nosuid", "nodev", "mode=1777", "size=64m"],
      });
      assert.deepEqual((mount({ Type: "tmpfs", Target: "/t", ReadOnly: true, TmpfsOptions: { SizeBytes: 1000 } }) as { options: string[] }).options, [
        "noexec", "nosuid", "nodev", "ro", "size=1000",
      ]);
    });

    it("rejects invalid entries with dockerd's messages", () => {
      rejects({ Mounts: [{ Type: "bind", Source: "/a" }] }, 'invalid mount config for type "bind": field Target must not be empty');
      rejects({ Mounts: [{ Type: "bind", Target: "/a" }] }, 'invalid mount config for type "bind": field Source must not be empty');
      rejects({ Mounts: [{ Type: "bind", Source: "rel", Target: "/a" }] }, "invalid mount config for type \"bind\": invalid mount path: 'rel' mount path must be absolute");
      rejects({ Mounts: [{ Type: "bind", Source: "/a", Target: "/a", BindOptions: { Propagation: "weird" } }] }, 'invalid mount config for type "bind": invalid propagation mode: weird');
      rejects({ Mounts: [{ Type: "volume", Target: "/a", ReadOnly: true }] }, 'invalid mount config for type "volume": must not set ReadOnly mode when using anonymous volumes');
      rejects({ Mounts: [{ Type: "volume", Target: "/a", VolumeOptions: { Subpath: "x" } }] }, 'invalid mount config for type "volume": must not set Subpath when using anonymous volumes');
      rejects({ Mounts: [{ Type: "volume", Source: "v", Target: "/a", VolumeOptions: { Subpath: "../../etc" } }] }, 'invalid mount config for type "volume": subpath must be a relative path within the volume');
      rejects({ Mounts: [{ Type: "volume", Source: "v", Target: "/a", BindOptions: {} }] }, 'invalid mount config for type "volume": field BindOptions must not be specified');
      rejects({ Mounts: [{ Type: "tmpfs", Source: "x", Target: "/a" }] }, 'invalid mount config for type "tmpfs": field Source must not be specified');
      rejects({ Mounts: [{ Type: "npipe", Source: "x", Target: "/a" }] }, 'invalid mount config for type "npipe": mount type unknown: valid types are bind, volume and tmpfs');
    });
  });

  describe("Tmpfs and image volumes", () => {
    it("merges Tmpfs options over noexec,nosuid,nodev: a later flag cancels its opposite", () => {
      assert.deepEqual(planMounts({ Tmpfs: { "/run": "", "/tmp": "exec,size=64m,mode=1777" } }).map((m) => m.type === "tmpfs" && m.options), [
        ["noexec", "nosuid", "nodev"],
        ["nosuid", "nodev", "size=64m", "mode=1777"],
      ]);
    });

    it("rejects bad Tmpfs targets and options, saying what is valid", () => {
      rejects({ Tmpfs: { run: "" } }, "invalid mount path: 'run' mount path must be absolute");
      rejects({ Tmpfs: { "/": "" } }, "invalid specification: destination can't be '/'");
      assert.throws(() => planMounts({ Tmpfs: { "/run": "size=lots" } }), /^EngineError: invalid tmpfs option "size=lots": size takes a number with an optional k, m or g suffix/);
      assert.throws(() => planMounts({ Tmpfs: { "/run": "huge-pages" } }), /invalid tmpfs option "huge-pages": valid are ro, rw, exec, noexec, .*size=, /);
    });

    it("gives every image VOLUME nothing else mounts on an anonymous volume", () => {
      const plan = planMounts({ Binds: ["db:/var/lib/db"], Tmpfs: { "/run": "" }, Volumes: { "/var/lib/db/": {}, "/run": {}, "/logs": {} } });
      assert.deepEqual(plan.map((m) => [m.type, m.target, m.type === "volume" ? (m.name ?? "anonymous") : ""]), [
        ["tmpfs", "/run", ""],
        ["volume", "/logs", "anonymous"],
        ["volume", "/var/lib/db", "db"],
      ]);
    });
  });

  it("refuses two mounts on one path, whichever fields they come from", () => {
    rejects({ Binds: ["/a:/data", "v:/data/"] }, "Duplicate mount point: /data");
    rejects({ Binds: ["/a:/data"], Mounts: [{ Type: "tmpfs", Target: "/data" }] }, "Duplicate mount point: /data");
    rejects({ Binds: ["/a:/run"], Tmpfs: { "/run": "" } }, "Duplicate mount point: /run");
  });

  it("orders parents before children, keeping the given order otherwise", () => {
    const plan = planMounts({ Binds: ["/x:/data/cache/deep", "/y:/data/cache", "/z:/b", "/w:/a"], Tmpfs: { "/data": "" } });
    assert.deepEqual(plan.map((m) => m.target), ["/b", "/a", "/data", "/data/cache", "/data/cache/deep"]);
  });
});
