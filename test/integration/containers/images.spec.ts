// The image endpoints through dockerode: load (quiet and not), list, inspect, tag, save, delete, prune, and the
// Docker status codes of their errors.
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import type Docker from "dockerode";
import { extract } from "tar-stream";
import { dockerSaveArchive, makeImage, makeTar } from "../image/tars.js";
import { BUSYBOX, busyboxArchive, startEngine, stopEngine, type Engine } from "./helpers.js";

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  let out = "";
  for await (const chunk of stream) out += chunk;
  return out;
}

describe("images: endpoints through dockerode (integration, root)", function () {
  this.timeout(60_000);
  let engine: Engine;
  let docker: Docker;

  before(async () => {
    engine = await startEngine();
    docker = engine.docker;
  });
  after(() => stopEngine(engine));

  it("loads an archive and answers with Docker's JSON progress lines", async () => {
    const reply = await docker.loadImage(Readable.from([await busyboxArchive()]));
    assert.equal(await text(reply), '{"stream":"Loaded image: busybox:latest\\n"}\n');
  });

  it("lists, inspects and tags images; berth/host is built in", async () => {
    const tags = (await docker.listImages()).flatMap((image) => image.RepoTags ?? []).sort();
    assert.deepEqual(tags, ["berth/host:latest", BUSYBOX]);
    const inspected = await docker.getImage(BUSYBOX).inspect();
    assert.deepEqual(inspected.Config.Cmd, ["sh"]);
    await docker.getImage(BUSYBOX).tag({ repo: "example.test/box", tag: "v1" });
    assert.equal((await docker.getImage("example.test/box:v1").inspect()).Id, inspected.Id);
    const filtered = await docker.listImages({ filters: { reference: ["example.test/*"] } });
    assert.deepEqual(filtered.map((image) => image.Id), [inspected.Id]);
    await assert.rejects(docker.getImage("nothing:here").inspect(), (err: { statusCode: number }) => err.statusCode === 404);
  });

  it("saves an image as a docker save archive", async () => {
    const archive = (await docker.getImage(BUSYBOX).get()) as NodeJS.ReadableStream;
    const names: string[] = [];
    const entries = extract();
    Readable.from(archive as AsyncIterable<Buffer>).pipe(entries);
    for await (const entry of entries) {
      names.push(entry.header.name);
      entry.resume();
    }
    assert.ok(names.includes("manifest.json"), names.join(" "));
  });

  it("refuses to delete an image a container uses (409), untags by name, deletes by id", async () => {
    const id = (await docker.getImage(BUSYBOX).inspect()).Id;
    const container = await docker.createContainer({ Image: "example.test/box:v1", Cmd: ["true"] });
    await assert.rejects(docker.getImage(id).remove({ force: true }), (err: { statusCode: number; message: string }) =>
      err.statusCode === 409 && /being used by a container/.test(err.message));
    await container.remove();
    await assert.rejects(docker.getImage(id).remove(), (err: { statusCode: number }) => err.statusCode === 409, "two tags: must be forced");
    assert.deepEqual(await docker.getImage("example.test/box:v1").remove(), [{ Untagged: "example.test/box:v1" }]);
    const deleted = await docker.getImage(BUSYBOX).remove();
    assert.deepEqual(deleted.at(-1), { Deleted: id });
    await assert.rejects(docker.getImage(BUSYBOX).inspect(), (err: { statusCode: number }) => err.statusCode === 404);
  });

  it("prunes dangling images by default, every unused one with dangling=false, honouring label filters", async () => {
    const layer = async (name: string) => makeTar([{ name, content: Buffer.from(name) }]);
    const [dangling, kept, labelled, used] = await Promise.all(["dangling", "kept", "labelled", "used"].map(async (name) =>
      makeImage([await layer(name)], { labels: name === "labelled" ? { keep: "yes" } : {}, cmd: [name] })));
    await text(await docker.loadImage(Readable.from([await dockerSaveArchive([
      { image: dangling!, tags: [] }, { image: kept!, tags: ["example.test/kept:1"] },
      { image: labelled!, tags: ["example.test/labelled:1"] }, { image: used!, tags: ["example.test/used:1"] },
    ])])));
    const container = await docker.createContainer({ Image: "example.test/used:1", Cmd: ["true"] });

    const first = await docker.pruneImages();
    assert.deepEqual(first.ImagesDeleted, [{ Deleted: dangling!.id }]);
    assert.ok(first.SpaceReclaimed > 0, `${first.SpaceReclaimed}`);

    const second = await docker.pruneImages({ filters: { dangling: ["false"], "label!": ["keep=yes"] } });
    assert.deepEqual(second.ImagesDeleted, [{ Untagged: "example.test/kept:1" }, { Deleted: kept!.id }]);
    const tags = (await docker.listImages()).flatMap((i) => i.RepoTags ?? []).sort();
    assert.deepEqual(tags, ["berth/host:latest", "example.test/labelled:1", "example.test/used:1"], "neither the labelled, nor the used, nor berth/host");

    await container.remove();
    const older = await docker.pruneImages({ filters: { dangling: ["false"], until: ["1700000000"] } });
    assert.deepEqual(older.ImagesDeleted, [], "the images were made in 2024, after until");
    const third = await docker.pruneImages({ filters: { dangling: ["false"], label: ["keep"] } });
    assert.deepEqual(third.ImagesDeleted, [{ Untagged: "example.test/labelled:1" }, { Deleted: labelled!.id }]);
    await assert.rejects(docker.pruneImages({ filters: { dangling: ["maybe"] } }), (err: { statusCode: number }) => err.statusCode === 400);
  });
});
