// The monitor's two mount lists and container inspect's Mounts, from a container's mounts.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planMounts } from "../../../src/runtime/volume/mounts.js";
import { createMounts, inspectMounts, monitorMounts, volumeNames } from "../../../src/runtime/volume/setup.js";
import { VolumeStore } from "../../../src/runtime/volume/store.js";

describe("volume setup", () => {
  let base: string;
  beforeEach(() => (base = mkdtempSync(join(tmpdir(), "berth-setup-"))));
  afterEach(() => {
    rmSync(base, { recursive: true, force: true });
    assert.equal(existsSync(base), false);
  });

  it("splits the ordered mounts into the monitor's binds and tmpfs lists", () => {
    assert.deepEqual(
      monitorMounts([
        { kind: "bind", source: "/a", target: "/x", options: ["ro", "rprivate"] },
        { kind: "tmpfs", target: "/run", options: ["nosuid"] },
        { kind: "bind", source: "/b", target: "/x/y", options: ["rprivate"] },
      ]),
      {
        binds: [{ source: "/a", target: "/x", options: ["ro", "rprivate"] }, { source: "/b", target: "/x/y", options: ["rprivate"] }],
        tmpfs: [{ target: "/run", options: ["nosuid"] }],
      },
    );
  });

  it("refuses a bind below a tmpfs, which the monitor's order (binds, then tmpfs) would hide", () => {
    assert.throws(
      () => monitorMounts([{ kind: "tmpfs", target: "/t", options: [] }, { kind: "bind", source: "/h", target: "/t/inner", options: [] }]),
      { message: "cannot mount /t/inner inside the tmpfs at /t: berth mounts tmpfs after binds; move one of them" },
    );
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
