// The volume store on a temp root: records, names, filters, in-use refusal, prune rules, crash leftovers.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EngineError } from "../../../src/runtime/image/errors.js";
import { ANONYMOUS_LABEL, VolumeStore } from "../../../src/runtime/volume/store.js";
import { directorySize } from "../../../src/runtime/volume/usage.js";

function fails(kind: string, message: string | RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof EngineError, String(err));
    assert.equal(err.kind, kind);
    if (typeof message === "string") assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  };
}

describe("VolumeStore", () => {
  let base: string;
  let root: string;
  /** volume name → ids of the containers "using" it. */
  let users: Map<string, string[]>;
  const open = () => VolumeStore.open(root, { inUse: (name) => users.get(name) ?? [], size: (v) => directorySize(v.Mountpoint) });

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), "berth-volumes-"));
    root = join(base, "volumes");
    users = new Map();
  });
  afterEach(() => {
    rmSync(base, { recursive: true, force: true });
    assert.equal(existsSync(base), false);
  });

  it("creates a volume: record on disk, empty _data, Docker's fields; the same name again returns it unchanged", async () => {
    const store = await open();
    const { volume, created } = await store.create({ Name: "pgdata", Labels: { tier: "db" } });
    assert.equal(created, true);
    assert.equal(volume.Mountpoint, join(root, "pgdata", "_data"));
    assert.deepEqual(readdirSync(volume.Mountpoint), []);
    assert.match(volume.CreatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual([volume.Driver, volume.Scope, volume.Labels, volume.Options, volume.anonymous], ["local", "local", { tier: "db" }, {}, false]);
    const record = JSON.parse(readFileSync(join(root, "pgdata", "volume.json"), "utf8"));
    assert.deepEqual(record, { Name: "pgdata", Driver: "local", CreatedAt: volume.CreatedAt, Labels: { tier: "db" }, Options: {} });
    assert.equal(statSync(join(root, "pgdata", "volume.json")).mode & 0o777, 0o600);

    const again = await store.create({ Name: "pgdata", Labels: { other: "x" } });
    assert.equal(again.created, false);
    assert.deepEqual(again.volume.Labels, { tier: "db" });
    assert.deepEqual(readdirSync(root), ["pgdata"]);
  });

  it("names a volume created without a name with 64 hex digits; anonymous ones carry Docker's label", async () => {
    const store = await open();
    const { volume } = await store.create({}, { anonymous: true });
    assert.match(volume.Name, /^[0-9a-f]{64}$/);
    assert.deepEqual(volume.Labels, { [ANONYMOUS_LABEL]: "" });
    assert.equal(volume.anonymous, true);
  });

  it("refuses bad names, other drivers and bad options with Docker's messages", async () => {
    const store = await open();
    await assert.rejects(store.create({ Name: "x" }), fails("InvalidArgument", "volume name is too short, names should be at least two alphanumeric characters"));
    await assert.rejects(
      store.create({ Name: "../etc" }),
      fails("InvalidArgument", '"../etc" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path'),
    );
    await assert.rejects(store.create({ Name: ".hidden" }), fails("InvalidArgument", /includes invalid characters/));
    await assert.rejects(store.create({ Name: "v1", Driver: "nfs" }), fails("NotFound", 'error looking up volume plugin nfs: plugin "nfs" not found'));
    await assert.rejects(store.create({ Name: "v1", DriverOpts: { colour: "red" } }), fails("InvalidArgument", 'invalid option: "colour": the local driver takes type, device, o, size'));
    await assert.rejects(store.create({ Name: "v1", DriverOpts: { type: "tmpfs" } }), fails("InvalidArgument", 'missing required option: "device"'));
    await assert.rejects(store.create({ Name: "v1", DriverOpts: { type: "nfs", device: ":/export", o: "addr=10.0.0.1" } }), fails("InvalidArgument", /^berth's local driver cannot mount type=nfs with o=addr=10.0.0.1: it supports type=none with o=bind/));
    await assert.rejects(store.create({ Name: "v1", DriverOpts: { type: "none", o: "bind", device: join(base, "absent") } }), fails("InvalidArgument", `invalid device "${join(base, "absent")}" for o=bind: no such directory on the host; create it first`));
    await assert.rejects(store.create({ Name: "v1", DriverOpts: { type: "tmpfs", device: "tmpfs", o: "size=big" } }), fails("InvalidArgument", /^invalid tmpfs option "size=big"/));
    assert.deepEqual(readdirSync(root), [], "a refused create leaves nothing");
  });

  it("backs o=bind volumes by the host directory and tmpfs volumes by nothing on disk", async () => {
    const host = join(base, "host");
    mkdirSync(host);
    const store = await open();
    const bound = (await store.create({ Name: "src", DriverOpts: { type: "none", o: "bind,ro", device: host } })).volume;
    assert.equal(bound.Mountpoint, host);
    assert.deepEqual(bound.backing, { kind: "bind", device: host, readOnly: true });
    const scratch = (await store.create({ Name: "scratch", DriverOpts: { type: "tmpfs", device: "tmpfs", o: "size=64m,uid=1000" } })).volume;
    assert.deepEqual([scratch.Mountpoint, scratch.backing], ["", { kind: "tmpfs", options: ["size=64m", "uid=1000"] }]);
  });

  it("lists with name (substring), label, driver and dangling filters", async () => {
    const store = await open();
    await store.create({ Name: "app_db", Labels: { "com.docker.compose.project": "app", tier: "db" } });
    await store.create({ Name: "app_cache", Labels: { "com.docker.compose.project": "app" } });
    await store.create({ Name: "other" });
    users.set("app_db", ["c1"]);
    const names = (filters: Parameters<VolumeStore["list"]>[0]) => store.list(filters).map((v) => v.Name).sort();
    assert.deepEqual(names({}), ["app_cache", "app_db", "other"]);
    assert.deepEqual(names({ name: ["app_"] }), ["app_cache", "app_db"]);
    assert.deepEqual(names({ label: ["com.docker.compose.project=app", "tier"] }), ["app_db"]);
    assert.deepEqual(names({ label: ["tier=web"] }), []);
    assert.deepEqual(names({ dangling: true }), ["app_cache", "other"]);
    assert.deepEqual(names({ dangling: false }), ["app_db"]);
    assert.deepEqual(names({ driver: ["local"] }), ["app_cache", "app_db", "other"]);
    assert.deepEqual(names({ driver: ["nfs"] }), []);
  });

  it("removes a volume with its data, refuses one in use (409 naming the containers), force only skips not found", async () => {
    const store = await open();
    const { volume } = await store.create({ Name: "data" });
    writeFileSync(join(volume.Mountpoint, "keep.txt"), "precious");
    users.set("data", ["c1", "c2"]);
    await assert.rejects(store.remove("data", { force: true }), fails("Conflict", "remove data: volume is in use - [c1, c2]"));
    assert.equal(readFileSync(join(volume.Mountpoint, "keep.txt"), "utf8"), "precious");
    users.delete("data");
    assert.equal(await store.remove("data"), true);
    assert.deepEqual(readdirSync(root), []);
    await assert.rejects(store.remove("data"), fails("NotFound", "get data: no such volume"));
    assert.equal(await store.remove("data", { force: true }), false);
    assert.throws(() => store.get("data"), fails("NotFound", "get data: no such volume"));
  });

  it("never deletes a bound host directory's files", async () => {
    const host = join(base, "host");
    mkdirSync(host);
    writeFileSync(join(host, "index.html"), "hi");
    const store = await open();
    await store.create({ Name: "site", DriverOpts: { type: "none", o: "bind", device: host } });
    await store.remove("site");
    assert.equal(readFileSync(join(host, "index.html"), "utf8"), "hi");
  });

  it("prunes unused anonymous volumes, all unused ones with all, honouring label and label!", async () => {
    const store = await open();
    const anon = (await store.create({}, { anonymous: true })).volume;
    writeFileSync(join(anon.Mountpoint, "blob"), Buffer.alloc(3000));
    const busy = (await store.create({}, { anonymous: true })).volume;
    users.set(busy.Name, ["c1"]);
    await store.create({ Name: "named", Labels: { keep: "no" } });
    await store.create({ Name: "kept", Labels: { keep: "yes" } });

    assert.deepEqual(await store.prune(), { VolumesDeleted: [anon.Name], SpaceReclaimed: 3000 });
    assert.deepEqual(await store.prune({ all: true, labelNot: ["keep=yes"] }), { VolumesDeleted: ["named"], SpaceReclaimed: 0 });
    assert.deepEqual(await store.prune({ all: true, label: ["keep=no"] }), { VolumesDeleted: [], SpaceReclaimed: 0 });
    assert.deepEqual(store.list().map((v) => v.Name).sort(), [busy.Name, "kept"].sort());
  });

  it("marks an anonymous volume with the container being created for it: prune skips it, created() clears it, finishCreations removes an orphan", async () => {
    const store = await open();
    const { volume: pending } = await store.create({}, { anonymous: true, createdFor: "c1" });
    const { volume: orphan } = await store.create({}, { anonymous: true, createdFor: "c2" });
    const { volume: shared } = await store.create({}, { anonymous: true, createdFor: "c3" });
    assert.equal(JSON.parse(readFileSync(join(root, pending.Name, "volume.json"), "utf8")).CreatedFor, "c1");
    assert.deepEqual((await store.prune()).VolumesDeleted, [], "a volume whose container is being created is not pruned");
    await store.created("c1", [pending.Name]);
    assert.equal("CreatedFor" in JSON.parse(readFileSync(join(root, pending.Name, "volume.json"), "utf8")), false);
    users.set(shared.Name, ["c4"]);
    // After a restart: c2 and c3 do not exist; c3's volume is used by c4 (VolumesFrom), c2's by no one.
    const reopened = await open();
    assert.deepEqual(await reopened.finishCreations(() => false, (name) => users.get(name) ?? []), [orphan.Name]);
    assert.equal(existsSync(join(root, orphan.Name)), false);
    assert.deepEqual(reopened.list().map((v) => v.Name).sort(), [pending.Name, shared.Name].sort());
    assert.equal(reopened.get(shared.Name).CreatedFor, undefined);
  });

  it("reopens what it wrote, and cleans a crash's half-created and half-removed volumes", async () => {
    const store = await open();
    await store.create({ Name: "survivor", Labels: { a: "b" } });
    mkdirSync(join(root, ".creating-0123abcd", "_data"), { recursive: true });
    mkdirSync(join(root, ".removing-4567ef01", "_data"), { recursive: true });
    writeFileSync(join(root, ".removing-4567ef01", "_data", "old"), "x");
    const reopened = await open();
    assert.deepEqual(readdirSync(root), ["survivor"]);
    assert.deepEqual(reopened.get("survivor").Labels, { a: "b" });
  });

  it("skips, and keeps, a volume whose record cannot be read", async () => {
    mkdirSync(join(root, "broken", "_data"), { recursive: true });
    writeFileSync(join(root, "broken", "_data", "file"), "data");
    const write = process.stderr.write;
    const logged: string[] = [];
    process.stderr.write = (line: string) => logged.push(line) > 0;
    let store: VolumeStore;
    try {
      store = await open();
    } finally {
      process.stderr.write = write;
    }
    assert.equal(store.find("broken"), undefined);
    assert.match(logged.join(""), /warn volume broken is skipped: .*volume\.json cannot be read/);
    assert.equal(readFileSync(join(root, "broken", "_data", "file"), "utf8"), "data");
  });

  it("serialises concurrent creates of one name: one volume, created once", async () => {
    const store = await open();
    const results = await Promise.all([1, 2, 3].map(() => store.create({ Name: "race" })));
    assert.deepEqual(results.map((r) => r.created).sort(), [false, false, true]);
    assert.deepEqual(readdirSync(root), ["race"]);
  });
});
