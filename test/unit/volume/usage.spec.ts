// UsageData as /system/df reports it: apparent size with hard links once and symlinks not followed.
import assert from "node:assert/strict";
import { existsSync, linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VolumeStore } from "../../../src/runtime/volume/store.js";
import { directorySize, volumeUsage } from "../../../src/runtime/volume/usage.js";

describe("volume usage", () => {
  let base: string;
  beforeEach(() => (base = mkdtempSync(join(tmpdir(), "berth-usage-"))));
  afterEach(() => {
    rmSync(base, { recursive: true, force: true });
    assert.equal(existsSync(base), false);
  });

  it("sums file sizes, counting a hard-linked file once and never following symlinks", async () => {
    const dir = join(base, "data");
    mkdirSync(join(dir, "sub"), { recursive: true });
    writeFileSync(join(dir, "a"), Buffer.alloc(1000));
    writeFileSync(join(dir, "sub", "b"), Buffer.alloc(234));
    linkSync(join(dir, "a"), join(dir, "sub", "a-again"));
    symlinkSync("/usr", join(dir, "usr"));
    assert.equal(await directorySize(dir), 1234 + "/usr".length);
  });

  it("reports Size and RefCount per volume, Size -1 for tmpfs volumes", async () => {
    const inUse = (name: string) => (name === "db" ? ["c1", "c2"] : []);
    const store = await VolumeStore.open(join(base, "volumes"), { inUse });
    const db = (await store.create({ Name: "db" })).volume;
    writeFileSync(join(db.Mountpoint, "table"), Buffer.alloc(512));
    const scratch = (await store.create({ Name: "scratch", DriverOpts: { type: "tmpfs", device: "tmpfs" } })).volume;
    assert.deepEqual(await volumeUsage(db, inUse), { Size: 512, RefCount: 2 });
    assert.deepEqual(await volumeUsage(scratch, inUse), { Size: -1, RefCount: 0 });
  });
});
