// The image store on a real filesystem: loading docker-save and OCI archives, saving, lookups, tags,
// removal and what it frees, concurrent loads, and recovery at open.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { extract } from "tar-stream";
import { ImageStore } from "../../../src/runtime/image/store.js";
import { busyboxLayer, dockerSaveArchive, hex, makeImage, makeTar, ociArchive, sha256, tempDir, type TestImage } from "./tars.js";

async function saveToBuffer(store: ImageStore, refs: string[]): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (chunk: Buffer) => chunks.push(chunk));
  await store.save(refs, out);
  return Buffer.concat(chunks);
}

async function tarFiles(tar: Buffer): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const entries = extract();
  Readable.from([tar]).pipe(entries);
  for await (const entry of entries) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
    if (entry.header.type === "file") files.set(entry.header.name, Buffer.concat(chunks));
  }
  return files;
}

const kindOf = (err: unknown) => (err as { kind?: string }).kind;

describe("ImageStore", function () {
  let dir: ReturnType<typeof tempDir>;
  let root: string;
  let base: TestImage;
  let app: TestImage;
  let archive: Buffer;

  before(async function () {
    const busybox = await busyboxLayer();
    const appLayer = await makeTar([
      { name: "etc/.wh.passwd", content: "" },
      { name: "app/", type: "directory" },
      { name: "app/run.sh", content: "echo app\n", mode: 0o755 },
    ]);
    base = makeImage([busybox], { gzip: true, labels: { role: "base" } });
    app = makeImage([busybox, appLayer], { cmd: ["/app/run.sh"] });
    archive = await dockerSaveArchive([
      { image: base, tags: ["busybox:latest", "busybox:1.35"] },
      { image: app, tags: ["example.com/team/app:v1"] },
    ]);
  });

  beforeEach(function () {
    dir = tempDir("store");
    root = join(dir.path, "root");
  });
  afterEach(() => dir.cleanup());

  const open = (options: { containersUsing?: (id: string) => number } = {}) => ImageStore.open(root, { hostImage: false, ...options });

  it("loads a docker save archive, sharing the layer two images have", async function () {
    const store = await open();
    const loaded = await store.load(Readable.from([archive]));
    assert.deepEqual(loaded, [
      { id: base.id, tags: ["busybox:latest", "busybox:1.35"] },
      { id: app.id, tags: ["example.com/team/app:v1"] },
    ]);
    assert.deepEqual(readdirSync(join(root, "layers")).sort(), [hex(base.diffIds[0]!), hex(app.diffIds[1]!)].sort());
    assert.deepEqual(readdirSync(join(root, "tmp")), []);

    const inspect = await store.inspect("example.com/team/app:v1");
    assert.equal(inspect.Id, app.id);
    assert.deepEqual(inspect.RepoTags, ["example.com/team/app:v1"]);
    assert.deepEqual(inspect.Config.Cmd, ["/app/run.sh"]);
    assert.deepEqual(inspect.RootFS, { Type: "layers", Layers: app.diffIds });
    assert.equal(inspect.Created, "2024-05-06T07:08:09Z");
    assert.equal(inspect.Os, "linux");
    assert.ok(inspect.Size > readFileSync("/bin/busybox").length);

    const summaries = await store.list();
    const summary = summaries.find((s) => s.Id === base.id)!;
    assert.deepEqual(summary.RepoTags, ["busybox:latest", "busybox:1.35"]);
    assert.equal(summary.Created, Date.parse("2024-05-06T07:08:09Z") / 1000);
    assert.deepEqual(summary.Labels, { role: "base" });

    const plan = store.rootfs("example.com/team/app:v1");
    assert.deepEqual(plan.lowerDirs, [join(root, "layers", hex(app.diffIds[1]!)), join(root, "layers", hex(app.diffIds[0]!))]);
    assert.deepEqual(plan.binds, []);
    assert.equal(readFileSync(join(plan.lowerDirs[0]!, "app/run.sh"), "utf8"), "echo app\n");
  });

  it("finds images by name, docker.io name, digest-less id, short id and sha256: prefix", async function () {
    const store = await open();
    await store.load(Readable.from([archive]));
    for (const ref of ["busybox", "busybox:1.35", "docker.io/library/busybox:latest", "index.docker.io/library/busybox", base.id, hex(base.id), hex(base.id).slice(0, 12), `sha256:${hex(base.id).slice(0, 8)}`]) {
      assert.equal(store.get(ref).id, base.id, ref);
    }
    assert.throws(() => store.get("busybox:nope"), (err) => kindOf(err) === "NotFound" && /No such image: busybox:nope/.test(String(err)));
    assert.throws(() => store.get("Bad Name"), (err) => kindOf(err) === "InvalidArgument");
  });

  it("saves an archive that loads back into an empty store as the same images", async function () {
    const store = await open();
    await store.load(Readable.from([archive]));
    const saved = await saveToBuffer(store, ["busybox:latest", app.id]);

    const files = await tarFiles(saved);
    for (const [name, content] of files) {
      if (name.startsWith("blobs/sha256/")) assert.equal(createHash("sha256").update(content).digest("hex"), name.slice("blobs/sha256/".length), name);
    }
    const manifest = JSON.parse(files.get("manifest.json")!.toString());
    assert.deepEqual(manifest.map((m: { RepoTags: string[] }) => m.RepoTags), [["busybox:latest"], ["example.com/team/app:v1"]]);
    assert.ok(files.has("oci-layout") && files.has("index.json"));

    const other = await ImageStore.open(join(dir.path, "other"), { hostImage: false });
    const loaded = await other.load(Readable.from([saved]));
    assert.deepEqual(loaded, [
      { id: base.id, tags: ["busybox:latest"] },
      { id: app.id, tags: ["example.com/team/app:v1"] },
    ]);
    const plan = other.rootfs("example.com/team/app:v1");
    assert.equal(readFileSync(join(plan.lowerDirs[1]!, "bin/busybox")).equals(readFileSync("/bin/busybox")), true);
  });

  it("loads an OCI image layout, tagging from ref.name annotations that are full names", async function () {
    const { tar, manifestDigests } = await ociArchive([
      { image: app, refName: "registry.example:5000/app:2.0" },
      { image: base, refName: "latest" },
    ]);
    const store = await open();
    const loaded = await store.load(Readable.from([tar]));
    assert.deepEqual(loaded, [
      { id: app.id, tags: ["registry.example:5000/app:2.0"] },
      { id: base.id, tags: [] },
    ]);
    const digestRef = `registry.example:5000/app@${manifestDigests[0]}`;
    assert.deepEqual((await store.inspect(app.id)).RepoDigests, [digestRef]);
    assert.equal(store.get(digestRef).id, app.id);
    assert.equal(readFileSync(join(store.rootfs(app.id).lowerDirs[0]!, "app/run.sh"), "utf8"), "echo app\n");
  });

  it("rejects an OCI blob whose content does not match its name, leaving nothing behind", async function () {
    const { tar } = await ociArchive([{ image: base, refName: "x:1" }]);
    const files = await tarFiles(tar);
    const layerName = `blobs/sha256/${hex(sha256(base.blobs[0]!))}`;
    const forged = await makeTar([...files].map(([name, content]) => ({ name, content: name === layerName ? Buffer.from("forged") : content })));
    const store = await open();
    await assert.rejects(store.load(Readable.from([forged])), /image archive: blob sha256:[0-9a-f]{64} has content with digest sha256:/);
    assert.deepEqual(readdirSync(join(root, "blobs/sha256")), []);
    assert.deepEqual(readdirSync(join(root, "layers")), []);
  });

  it("untags, refuses, and deletes as docker rmi does, freeing only unshared content", async function () {
    const using = new Set<string>();
    const store = await open({ containersUsing: (id) => (using.has(id) ? 1 : 0) });
    await store.load(Readable.from([archive]));

    assert.deepEqual(await store.remove("busybox:1.35"), [{ Untagged: "busybox:1.35" }]);
    await store.tag("busybox", "mirror/busybox", "x");
    await assert.rejects(store.remove(hex(base.id).slice(0, 12)), (err) => kindOf(err) === "Conflict" && /referenced in multiple repositories/.test(String(err)));

    using.add(app.id);
    await assert.rejects(store.remove(app.id, { force: true }), (err) => kindOf(err) === "Conflict" && /cannot be forced/.test(String(err)));
    await assert.rejects(store.remove("example.com/team/app:v1"), /unable to remove repository reference "example.com\/team\/app:v1" \(must force\)/);
    assert.deepEqual(await store.remove("example.com/team/app:v1", { force: true }), [{ Untagged: "example.com/team/app:v1" }]);
    assert.deepEqual(store.get(app.id).repoTags, [], "an image containers use stays, untagged");

    using.delete(app.id);
    assert.deepEqual(await store.remove(app.id), [{ Deleted: app.id }]);
    assert.deepEqual(readdirSync(join(root, "layers")), [hex(base.diffIds[0]!)], "the shared layer stays for busybox");
    assert.ok(!existsSync(join(root, "blobs/sha256", hex(app.id))));

    assert.deepEqual(await store.remove(base.id, { force: true }), [{ Untagged: "busybox:latest" }, { Untagged: "mirror/busybox:x" }, { Deleted: base.id }]);
    assert.deepEqual(readdirSync(join(root, "layers")), []);
    assert.deepEqual(readdirSync(join(root, "blobs/sha256")), []);
    await assert.rejects(store.remove("busybox"), (err) => kindOf(err) === "NotFound");
  });

  it("moves a tag to the image loaded or tagged last", async function () {
    const store = await open();
    await store.load(Readable.from([archive]));
    await store.tag(app.id, "busybox");
    assert.equal(store.get("busybox").id, app.id);
    assert.deepEqual(store.get(base.id).repoTags, ["busybox:1.35"]);
    await assert.rejects(store.tag(app.id, "busybox", "-bad"), (err) => kindOf(err) === "InvalidArgument" && /tag must be/.test(String(err)));
  });

  it("records when a tag last came to point at an image (Metadata.LastTagTime), across opens", async function () {
    const store = await open();
    const beforeLoad = Date.now();
    await store.load(Readable.from([archive]));
    const loaded = Date.parse((await store.inspect(base.id)).Metadata.LastTagTime);
    assert.ok(loaded >= beforeLoad && loaded <= Date.now(), `load sets it: ${loaded}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await store.tag(base.id, "retagged");
    const tagged = (await store.inspect(base.id)).Metadata.LastTagTime;
    assert.ok(Date.parse(tagged) > loaded, "tag moves it on");
    assert.equal((await (await open()).inspect(base.id)).Metadata.LastTagTime, tagged, "kept in the index");
    const untagged = await store.addBuilt({ parent: base.id, config: { architecture: "amd64", os: "linux", config: {} }, tags: [] });
    assert.equal((await store.inspect(untagged.id)).Metadata.LastTagTime, "0001-01-01T00:00:00Z", "never tagged: Go's zero time, as dockerd");
  });

  it("survives two concurrent loads of the same layers", async function () {
    const store = await open();
    const results = await Promise.all([store.load(Readable.from([archive])), store.load(Readable.from([archive]))]);
    assert.deepEqual(results[0], results[1]);
    assert.equal(readdirSync(join(root, "layers")).length, 2);
    assert.deepEqual(readdirSync(join(root, "tmp")), []);
    assert.ok(readFileSync(join(store.rootfs("busybox").lowerDirs[0]!, "bin/busybox")).equals(readFileSync("/bin/busybox")));
  });

  it("keeps its index across opens and clears what a crash left", async function () {
    const store = await open();
    await store.load(Readable.from([archive]));
    const before = await store.list();
    mkdirSync(join(root, "tmp", "layer-crashed"));
    writeFileSync(join(root, "blobs/sha256", "f".repeat(64)), "orphan");
    mkdirSync(join(root, "layers", "e".repeat(64)));

    const reopened = await open();
    assert.deepEqual(await reopened.list(), before);
    assert.deepEqual(readdirSync(join(root, "tmp")), []);
    assert.ok(!existsSync(join(root, "blobs/sha256", "f".repeat(64))));
    assert.ok(!existsSync(join(root, "layers", "e".repeat(64))));
  });

  it("says what an archive is missing", async function () {
    const store = await open();
    await assert.rejects(store.load(Readable.from([await makeTar([{ name: "hello.txt", content: "hi" }])])), /not an image archive: it has neither manifest.json/);
    const broken = await makeTar([{ name: "manifest.json", content: JSON.stringify([{ Config: "c.json", RepoTags: [], Layers: [] }]) }]);
    await assert.rejects(store.load(Readable.from([broken])), /manifest.json\[0\] refers to "c.json", which the archive does not contain/);
  });
});
