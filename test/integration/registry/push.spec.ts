// Pushes from a test berthd to a real registry (Debian's docker-registry on 127.0.0.1) through
// POST /images/{name}/push, the berth CLI and the docker CLI, and pulls what was pushed back.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUSYBOX, loadBusybox, startEngine, stopEngine, type Engine } from "../containers/helpers.js";
import { berthCli, getManifest, openPortal, PASSWORD, postStream, run, startProxy, startRegistry, USER, type Portal, type Proxy, type Registry } from "./registry.js";

describe("registry push (integration)", function () {
  this.timeout(60_000);
  let registry: Registry;
  let proxy: Proxy;
  let bearer: Proxy;
  let engine: Engine;
  let portal: Portal;
  let busyboxId: string;

  const push = (name: string, tag: string, headers: Record<string, string> = {}) =>
    postStream(engine.daemon.socket, `/images/${name}/push?tag=${tag}`, headers);
  const tag = (repo: string, tagName: string) => engine.docker.getImage(BUSYBOX).tag({ repo, tag: tagName });
  const uploads = (p: Proxy) => p.requests.filter((r) => r.startsWith("PUT ") || r.startsWith("POST "));

  before(async () => {
    registry = await startRegistry();
    proxy = await startProxy(registry);
    bearer = await startProxy(registry, { auth: "bearer" });
    engine = await startEngine();
    await loadBusybox(engine.docker);
    busyboxId = (await engine.docker.getImage(BUSYBOX).inspect()).Id;
    portal = await openPortal(engine.root, [proxy.port, bearer.port]);
  });

  after(async () => {
    await portal?.stop();
    if (engine) await stopEngine(engine);
    for (const p of [proxy, bearer]) await p?.stop();
    await registry?.stop();
  });

  beforeEach(() => (proxy.requests.length = 0));

  it("pushes an image built by the test, with Docker's progress stream, and the registry serves it", async () => {
    await tag(`${proxy.host}/pushed`, "1");
    const { status, messages, body } = await push(`${proxy.host}/pushed`, "1");
    assert.equal(status, 200, body);
    assert.equal(messages.find((m) => m.error), undefined, body);
    const manifest = await getManifest(registry, "pushed", "1");
    const layers = manifest.json.layers as { digest: string; mediaType: string }[];
    assert.equal((manifest.json.config as { digest: string }).digest, busyboxId, "the config is the image's");
    assert.deepEqual(layers.map((l) => l.mediaType), ["application/vnd.docker.image.rootfs.diff.tar"], "busyboxArchive's layer is a plain tar");
    const id = layers[0]!.digest.slice(7, 19);
    assert.deepEqual(messages.filter((m) => m.status !== "Pushing").map((m) => (m.id ? `${m.status} ${m.id}` : (m.status ?? `aux ${JSON.stringify(m.aux)}`))), [
      `The push refers to repository [${proxy.host}/pushed]`,
      `Preparing ${id}`,
      `Pushed ${id}`,
      `1: digest: ${manifest.digest} size: ${manifest.bytes.length}`,
      `aux ${JSON.stringify({ Tag: "1", Digest: manifest.digest, Size: manifest.bytes.length })}`,
    ]);
    const pushing = messages.filter((m) => m.status === "Pushing");
    assert.ok(pushing.length > 0);
    assert.equal(pushing.at(-1)!.progressDetail!.current, pushing.at(-1)!.progressDetail!.total);
    assert.equal(uploads(proxy).filter((r) => r.startsWith("PUT /v2/pushed/blobs/uploads/")).length, 2, "the layer and the config, once each");
  });

  it("pushing again sends no blob: every layer already exists", async () => {
    const { messages } = await push(`${proxy.host}/pushed`, "1");
    assert.ok(messages.some((m) => m.status === "Layer already exists"));
    assert.deepEqual(uploads(proxy), ["PUT /v2/pushed/manifests/1"]);
  });

  it("what was pushed pulls back by tag and by digest", async () => {
    const { digest } = await getManifest(registry, "pushed", "1");
    // Delete the image, so that the pull must fetch everything back.
    for (const name of [BUSYBOX, `${proxy.host}/pushed:1`]) await engine.docker.getImage(name).remove();
    await assert.rejects(engine.docker.getImage(busyboxId).inspect(), /No such image/);
    const byTag = await postStream(engine.daemon.socket, `/images/create?fromImage=${proxy.host}/pushed&tag=1`);
    assert.equal(byTag.messages.at(-1)!.status, `Status: Downloaded newer image for ${proxy.host}/pushed:1`);
    assert.equal((await engine.docker.getImage(`${proxy.host}/pushed:1`).inspect()).Id, busyboxId);
    const byDigest = await postStream(engine.daemon.socket, `/images/create?fromImage=${proxy.host}/pushed&tag=${digest}`);
    assert.equal(byDigest.messages.at(-1)!.status, `Status: Image is up to date for ${proxy.host}/pushed@${digest}`);
    await engine.docker.getImage(`${proxy.host}/pushed:1`).tag({ repo: "busybox", tag: "latest" });
  });

  it("refuses to push an image it does not have, with dockerd's message", async () => {
    const { status, body } = await push(`${proxy.host}/nope`, "1");
    assert.equal(status, 404);
    assert.deepEqual(JSON.parse(body), { message: `An image does not exist locally with the tag: ${proxy.host}/nope` });
  });

  it("asks the token server for push access with the client's credentials", async () => {
    await tag(`${bearer.host}/secured`, "2");
    const auth = Buffer.from(JSON.stringify({ username: USER, password: PASSWORD })).toString("base64url");
    const { messages, body } = await push(`${bearer.host}/secured`, "2", { "X-Registry-Auth": auth });
    assert.equal(messages.find((m) => m.error), undefined, body);
    assert.deepEqual(bearer.tokenRequests.map((r) => r.scope), ["repository:secured:pull,push"]);
    assert.equal(((await getManifest(registry, "secured", "2")).json.config as { digest: string }).digest, busyboxId);

    const anonymous = await push(`${bearer.host}/secured`, "2");
    assert.match(anonymous.messages.at(-1)!.error!, new RegExp(`token server http://${bearer.host}/token refused: 401`));
  });

  it("berth image push and docker push work against berthd", async () => {
    await tag(`${proxy.host}/cli`, "3");
    const berth = await berthCli(["--host", `unix://${engine.daemon.socket}`, "image", "push", `${proxy.host}/cli:3`]);
    assert.equal(berth.status, 0, berth.stderr);
    const { digest } = await getManifest(registry, "cli", "3");
    assert.match(berth.stdout, new RegExp(`^[0-9a-f]{12}: (Pushed|Layer already exists)$`, "m"));
    assert.match(berth.stdout, new RegExp(`^3: digest: ${digest} size: \\d+$`, "m"));

    const config = mkdtempSync(join(tmpdir(), "berth-docker-config-"));
    try {
      await tag(`${proxy.host}/cli`, "4");
      const docker = await run("docker", ["push", `${proxy.host}/cli:4`], { HOME: config, DOCKER_CONFIG: config, DOCKER_HOST: `unix://${engine.daemon.socket}` });
      assert.equal(docker.status, 0, docker.stderr);
      assert.match(docker.stdout, new RegExp(`^4: digest: ${digest} size: \\d+$`, "m"), "the same image gives the same manifest");
      const missing = await run("docker", ["push", `${proxy.host}/cli:none`], { HOME: config, DOCKER_CONFIG: config, DOCKER_HOST: `unix://${engine.daemon.socket}` });
      assert.equal(missing.status, 1);
      assert.match(missing.stderr, /An image does not exist locally with the tag/);
    } finally {
      rmSync(config, { recursive: true, force: true });
    }
  });
});
