// The monitor's ordered mount list and container inspect's Mounts, from a container's mounts.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planMounts } from "../../../src/runtime/volume/mounts.js";
import { createMounts, inspectMounts, startMounts, volumeNames } from "../../../src/runtime/volume/setup.js";
import { VolumeStore } from "../../../src/runtime/volume/store.js";

describe("volume setup", () => {
  let base: string;
  beforeEach(() => (base = mkdtempSync(join(tmpdir(), "berth-setup-"))));
  afterEach(() => {
    rmSync(base, { recursive: true, force: true });
    assert.equal(existsSync(base), false);
  });

  it("gives the monitor one list in mount order: a bind below a tmpfs after it, volume sources resolved and nofollow", async () => {
    const store = await VolumeStore.open(join(base, "volumes"), { inUse: () => [] });
    mkdirSync(join(base, "host"));
    symlinkSync(join(base, "host"), join(base, "link"));
    const mounts = await createMounts(planMounts({ Binds: ["sub:/run/sub", `${base}/link:/src/host`], Tmpfs: { "/run": "", "/src": "" } }), store);
    const runtime = await startMounts(mounts, store, []);
    const sub = store.get("sub").Mountpoint;
    assert.deepEqual(runtime.map((m) => `${m.kind} ${m.target}`), ["tmpfs /run", "tmpfs /src", "bind /run/sub", "bind /src/host"]);
    assert.deepEqual(runtime[2], { kind: "bind", source: realpathSync(sub), target: "/run/sub", options: ["rprivate", "nofollow"] });
    // A user's bind source is resolved by the monitor, as Docker resolves it: passed as given.
    assert.deepEqual(runtime[3], { kind: "bind", source: `${base}/link`, target: "/src/host", options: ["rprivate"] });
  });

  it("creates named and anonymous volumes once, and reports mounts as docker inspect does", async () => {
    const store = await VolumeStore.open(join(base, "volumes"), { inUse: () => [] });
    const created: string[] = [];
    const mounts = await createMounts(
      planMounts({ Binds: ["db:/var/lib/db", `${base}:/src:ro`], Tmpfs: { "/run": "" }, Volumes: { "/cache": {} } }),
      store,
      (v) => created.push(v.Name),
    );
    const anonymous = store.list().find((v) => v.anonymous)!.Name;
    assert.deepEqual(created.sort(), ["db", anonymous].sort());
    assert.deepEqual(volumeNames(mounts).sort(), ["db", anonymous].sort());
    await createMounts(planMounts({ Binds: ["db:/d"] }), store, (v) => created.push(v.Name));
    assert.equal(created.length, 2, "an existing volume is not created again");
    assert.deepEqual(inspectMounts(mounts, store), [
      { Type: "bind", Source: base, Destination: "/src", Mode: "ro", RW: false, Propagation: "rprivate" },
      { Type: "tmpfs", Source: "", Destination: "/run", Mode: "", RW: true, Propagation: "" },
      { Type: "volume", Name: anonymous, Source: join(base, "volumes", anonymous, "_data"), Driver: "local", Destination: "/cache", Mode: "", RW: true, Propagation: "" },
      { Type: "volume", Name: "db", Source: join(base, "volumes", "db", "_data"), Driver: "local", Destination: "/var/lib/db", Mode: "z", RW: true, Propagation: "" },
    ]);
  });

  it("leaves no anonymous volume behind when a later mount fails", async () => {
    const store = await VolumeStore.open(join(base, "volumes"), { inUse: () => [] });
    const plan = planMounts({ Volumes: { "/a": {} }, Mounts: [{ Type: "volume", Source: "db", Target: "/z/db", VolumeOptions: { DriverConfig: { Name: "nfs" } } }] });
    await assert.rejects(createMounts(plan, store), { message: 'error looking up volume plugin nfs: plugin "nfs" not found' });
    assert.deepEqual(store.list(), []);
  });
});
