// Pulls from a real registry (Debian's docker-registry on 127.0.0.1) into a test berthd, through POST /images/create
// with its JSON progress stream, and through the real docker CLI.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { busyboxArchive, startEngine, stopEngine, type Engine } from "../containers/helpers.js";
import { tempRoot } from "../engine/berthd.js";
import { busyboxLayer, dockerSaveArchive, makeImage, makeTar } from "../image/tars.js";
import {
  berthCli,
  getManifest,
  postStream,
  run,
  type Message,
  openPortal,
  PASSWORD,
  pushBlob,
  pushManifest,
  skopeoPush,
  startProxy,
  startRegistry,
  USER,
  type Portal,
  type Proxy,
  type Registry,
} from "./registry.js";

const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";

describe("registry pull (integration)", function () {
  this.timeout(60_000);
  let registry: Registry;
  let proxy: Proxy;
  let bearer: Proxy;
  let basic: Proxy;
  let engine: Engine;
  let portal: Portal;
  let work: string;
  const previousDockerConfig = process.env.DOCKER_CONFIG;
  /** Config digests of the images pushed, by name. */
  const ids: Record<string, string> = {};
  let busyboxDigest: string;
  let layerOf: Record<string, string[]>;

  const pull = (query: Record<string, string>, headers: Record<string, string> = {}) =>
    postStream(engine.daemon.socket, `/images/create?${new URLSearchParams(query)}`, headers);
  const statuses = (messages: Message[]) => messages.map((m) => (m.id ? `${m.status} ${m.id}` : m.status));
  const storedBlobs = () => readdirSync(join(engine.root, "image", "blobs", "sha256")).map((hex) => `sha256:${hex}`);
  const stagingLeft = () => readdirSync(join(engine.root, "image", "tmp"));
  const short = (digest: string) => digest.slice("sha256:".length, "sha256:".length + 12);

  /** Saves a three-layer image (busybox, then two small layers of its own) and pushes it with skopeo. */
  async function pushApp(name: string, files: string[]): Promise<void> {
    const layers = [await busyboxLayer(), ...(await Promise.all(files.map((file) => makeTar([{ name: "app/", type: "directory" }, { name: `app/${file}`, content: `${file}\n` }]))))];
    const image = makeImage(layers, { cmd: ["cat", `/app/${files[0]}`] });
    const archive = join(work, `${name.replace(/[:/]/g, "_")}.tar`);
    writeFileSync(archive, await dockerSaveArchive([{ image, tags: [] }]));
    skopeoPush(archive, registry, name);
    ids[name] = image.id;
  }

  before(async function () {
    for (const tool of ["docker-registry", "skopeo"]) {
      assert.equal(spawnSync(tool, ["--version"]).status, 0, `${tool} is needed: apt-get install docker-registry skopeo`);
    }
    work = mkdtempSync(join(tmpdir(), "berth-pull-test-"));
    registry = await startRegistry();
    const busybox = join(work, "busybox.tar");
    writeFileSync(busybox, await busyboxArchive());
    for (const name of ["busybox:latest", "library/busybox:latest"]) skopeoPush(busybox, registry, name);
    for (const [name, files] of Object.entries({ "app:v1": ["a", "b"], "app:v2": ["a", "c"], "app:v3": ["d", "e"], "app:v4": ["f", "g"], "app:v5": ["h", "i"], "app:v6": ["j", "k"], "app:v7": ["l", "m"], "app:v8": ["n", "o"] })) await pushApp(name, files);
    layerOf = {};
    for (const tag of ["v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8"]) {
      layerOf[tag] = ((await getManifest(registry, "app", tag)).json.layers as { digest: string }[]).map((l) => l.digest);
    }

    // A multi-platform index: busybox:latest for amd64, the same layers under an arm64 config for arm64.
    const amd64 = await getManifest(registry, "busybox", "latest");
    busyboxDigest = amd64.digest;
    ids["busybox"] = (amd64.json.config as { digest: string }).digest;
    const amd64Config = (await fetch(`http://${registry.host}/v2/busybox/blobs/${ids["busybox"]}`).then((r) => r.json())) as Record<string, unknown>;
    const armConfig = Buffer.from(JSON.stringify({ ...amd64Config, architecture: "arm64", variant: "v8" }));
    const armConfigBlob = await pushBlob(registry, "busybox", armConfig);
    ids["busybox-arm64"] = armConfigBlob.digest;
    const arm64 = await pushManifest(registry, "busybox", "arm64", DOCKER_MANIFEST, {
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST,
      config: { mediaType: "application/vnd.docker.container.image.v1+json", ...armConfigBlob },
      layers: amd64.json.layers,
    });
    const entry = (digest: string, size: number, platform: object) => ({ mediaType: DOCKER_MANIFEST, digest, size, platform });
    await pushManifest(registry, "busybox", "multi", OCI_INDEX, {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [entry(arm64.digest, arm64.size, { os: "linux", architecture: "arm64", variant: "v8" }), entry(amd64.digest, amd64.bytes.length, { os: "linux", architecture: "amd64" })],
    });
    await pushManifest(registry, "busybox", "armonly", OCI_INDEX, {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [entry(arm64.digest, arm64.size, { os: "linux", architecture: "arm64", variant: "v8" })],
    });

    proxy = await startProxy(registry);
    bearer = await startProxy(registry, { auth: "bearer" });
    basic = await startProxy(registry, { auth: "basic" });
    // berthd reads credentials from the Docker CLI's config file of its environment: only for the basic-auth proxy.
    const dockerConfig = join(work, "docker-config");
    mkdirSync(dockerConfig);
    writeFileSync(join(dockerConfig, "config.json"), JSON.stringify({ auths: { [basic.host]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString("base64") } } }));
    process.env.DOCKER_CONFIG = dockerConfig;
    const root = tempRoot();
    // docker.io goes to its mirrors first: a dead one, then the proxy.
    writeFileSync(join(root, "daemon.json"), JSON.stringify({ "registry-mirrors": ["http://127.0.0.1:9", `http://${proxy.host}`] }));
    engine = await startEngine(root);
    portal = await openPortal(engine.root, [proxy.port, bearer.port, basic.port]);
  });

  after(async () => {
    if (previousDockerConfig === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = previousDockerConfig;
    await portal?.stop();
    if (engine) await stopEngine(engine);
    for (const p of [proxy, bearer, basic]) await p?.stop();
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
    assert.equal(existsSync(work) || existsSync(registry.dir), false);
  });

  beforeEach(() => {
    proxy.requests.length = 0;
    proxy.options = {};
  });

  /** Starts a pull whose blob `layer` hangs halfway; resolves once it hangs, with the request to cancel it by. */
  async function stalledPull(tag: string, layer: string) {
    const stalled = new Promise<void>((resolve) => (proxy.options = { stall: new Set([layer]), onStall: resolve }));
    const req = request({ socketPath: engine.daemon.socket, method: "POST", path: `/images/create?fromImage=${proxy.host}/app&tag=${tag}` });
    const answered = new Promise<void>((resolve) => {
      req.on("response", (res) => res.resume().on("close", resolve));
      req.on("error", () => resolve());
    });
    req.end();
    await stalled;
    // The half sent reaches berthd's staging file soon after.
    while (!stagingLeft().some((name) => name.startsWith("blob-"))) await new Promise((r) => setTimeout(r, 20));
    return { req, answered };
  }

  it("pulls by tag with Docker's progress stream, each layer fetched once", async () => {
    const { status, messages } = await pull({ fromImage: `${proxy.host}/app`, tag: "v1" });
    assert.equal(status, 200);
    assert.equal(messages.find((m) => m.error), undefined, JSON.stringify(messages));
    const layers = layerOf.v1!;
    const digest = (await getManifest(registry, "app", "v1")).digest;
    assert.deepEqual(statuses(messages).filter((s) => !/^(Downloading|Verifying|Download complete|Pull complete)/.test(s!)), [
      "Pulling from app v1",
      ...layers.map((l) => `Pulling fs layer ${short(l)}`),
      `Digest: ${digest}`,
      `Status: Downloaded newer image for ${proxy.host}/app:v1`,
    ]);
    for (const layer of layers) {
      // Layers arrive in parallel: each one's steps are in order, whatever the order between layers.
      const steps = statuses(messages.filter((m) => m.id === short(layer) && m.status !== "Downloading"));
      assert.deepEqual(steps, ["Pulling fs layer", "Verifying Checksum", "Download complete", "Pull complete"].map((s) => `${s} ${short(layer)}`));
      const progress = messages.filter((m) => m.status === "Downloading" && m.id === short(layer));
      assert.ok(progress.length > 0);
      assert.equal(progress.at(-1)!.progressDetail!.current, progress.at(-1)!.progressDetail!.total);
    }
    assert.deepEqual(proxy.blobRequests().sort(), [ids["app:v1"]!, ...layers].map((d) => `GET /v2/app/blobs/${d}`).sort());
    const image = await engine.docker.getImage(`${proxy.host}/app:v1`).inspect();
    assert.equal(image.Id, ids["app:v1"]);
    assert.deepEqual(image.RepoTags, [`${proxy.host}/app:v1`]);
    assert.deepEqual(image.RepoDigests, [`${proxy.host}/app@${digest}`]);
    assert.deepEqual(stagingLeft(), []);
    const events = await engine.docker.getEvents({ since: 0, until: Math.ceil(Date.now() / 1000), filters: { type: ["image"], event: ["pull"] } });
    let text = "";
    for await (const chunk of events as unknown as AsyncIterable<Buffer>) text += chunk;
    const pulls = text.split("\n").filter(Boolean).map((line) => JSON.parse(line) as { Actor: { ID: string; Attributes: { name: string } } });
    assert.deepEqual(pulls.map((e) => e.Actor), [{ ID: `${proxy.host}/app:v1`, Attributes: { name: `${proxy.host}/app` } }]);
  });

  it("pulls the same tag again without fetching any blob: the image is up to date", async () => {
    const { messages } = await pull({ fromImage: `${proxy.host}/app`, tag: "v1" });
    assert.equal(messages.at(-1)!.status, `Status: Image is up to date for ${proxy.host}/app:v1`);
    assert.deepEqual(proxy.blobRequests(), []);
    assert.ok(messages.filter((m) => m.status === "Already exists").length === 3);
  });

  it("fetches only the layers it does not have", async () => {
    const { messages } = await pull({ fromImage: `${proxy.host}/app:v2` });
    const [shared1, shared2, own] = layerOf.v2!;
    assert.deepEqual(layerOf.v2!.slice(0, 2), layerOf.v1!.slice(0, 2), "v1 and v2 share their first two layers");
    assert.deepEqual(statuses(messages).filter((s) => /^(Already exists|Pulling fs layer)/.test(s!)), [
      `Already exists ${short(shared1!)}`,
      `Already exists ${short(shared2!)}`,
      `Pulling fs layer ${short(own!)}`,
    ]);
    assert.deepEqual(proxy.blobRequests().sort(), [`GET /v2/app/blobs/${ids["app:v2"]}`, `GET /v2/app/blobs/${own}`].sort());
    assert.equal((await engine.docker.getImage(`${proxy.host}/app:v2`).inspect()).Id, ids["app:v2"]);
  });

  it("pulls by digest: the image gets the repo digest and no tag", async () => {
    const { status, messages } = await pull({ fromImage: `${proxy.host}/busybox`, tag: busyboxDigest });
    assert.equal(status, 200);
    assert.equal(messages.at(-1)!.status, `Status: Downloaded newer image for ${proxy.host}/busybox@${busyboxDigest}`);
    const image = await engine.docker.getImage(`${proxy.host}/busybox@${busyboxDigest}`).inspect();
    assert.equal(image.Id, ids["busybox"]);
    assert.deepEqual(image.RepoTags, []);
    assert.ok(proxy.requests.includes(`GET /v2/busybox/manifests/${busyboxDigest}`));
  });

  it("picks linux/amd64 from an image index, or the platform asked for", async () => {
    const index = await pull({ fromImage: `${proxy.host}/busybox`, tag: "multi" });
    assert.equal(index.messages.find((m) => m.error), undefined, index.body);
    const amd64 = await engine.docker.getImage(`${proxy.host}/busybox:multi`).inspect();
    assert.equal(amd64.Id, ids["busybox"]);
    assert.equal(amd64.Architecture, "amd64");
    const indexDigest = index.messages.find((m) => m.status?.startsWith("Digest: "))!.status!.slice("Digest: ".length);
    assert.deepEqual(amd64.RepoDigests.filter((d) => d.endsWith(indexDigest)), [`${proxy.host}/busybox@${indexDigest}`], "the repo digest is the index's");

    const arm = await pull({ fromImage: `${proxy.host}/busybox`, tag: "multi", platform: "linux/arm64" });
    assert.equal(arm.messages.find((m) => m.error), undefined, arm.body);
    const arm64 = await engine.docker.getImage(`${proxy.host}/busybox:multi`).inspect();
    assert.equal(arm64.Id, ids["busybox-arm64"]);
    assert.equal(arm64.Architecture, "arm64");
  });

  it("refuses an index without the platform, with dockerd's message", async () => {
    const { status, body } = await pull({ fromImage: `${proxy.host}/busybox`, tag: "armonly" });
    assert.equal(status, 404);
    assert.deepEqual(JSON.parse(body), { message: "no matching manifest for linux/amd64 in the manifest list entries" });
    const variant = await pull({ fromImage: `${proxy.host}/busybox`, tag: "multi", platform: "linux/arm64/v7" });
    assert.deepEqual(JSON.parse(variant.body), { message: "no matching manifest for linux/arm64/v7 in the manifest list entries" });
  });

  it("answers a missing tag or repository with 404 and a clear message", async () => {
    const missing = await pull({ fromImage: `${proxy.host}/app`, tag: "nope" });
    assert.equal(missing.status, 404);
    assert.match(JSON.parse(missing.body).message, new RegExp(`^manifest for ${proxy.host}/app:nope not found: manifest unknown: manifest unknown`));
    const bad = await pull({ fromImage: `${proxy.host}/App` });
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.body).message, /repository name must be lowercase/);
  });

  it("refuses a corrupted blob: a digest error in the stream, and nothing of it stored", async () => {
    const [, damaged] = layerOf.v3!;
    proxy.options.corrupt = new Set([damaged!]);
    const { status, messages } = await pull({ fromImage: `${proxy.host}/app`, tag: "v3" });
    assert.equal(status, 200);
    const error = messages.at(-1)!;
    assert.match(error.error!, new RegExp(`^filesystem layer verification failed for digest ${damaged}: the content has digest sha256:[a-f0-9]{64}$`));
    assert.deepEqual(error.errorDetail, { message: error.error });
    assert.equal(storedBlobs().includes(damaged!), false);
    assert.deepEqual(stagingLeft(), []);
    await assert.rejects(engine.docker.getImage(`${proxy.host}/app:v3`).inspect(), /No such image/);

    proxy.options.corrupt = undefined;
    const retry = await pull({ fromImage: `${proxy.host}/app`, tag: "v3" });
    assert.equal(retry.messages.at(-1)!.status, `Status: Downloaded newer image for ${proxy.host}/app:v3`);
    assert.equal((await engine.docker.getImage(`${proxy.host}/app:v3`).inspect()).Id, ids["app:v3"]);
  });

  it("a failing layer cancels the layers still downloading: the pull answers at once and leaves nothing staged, every time", async () => {
    const [, damaged] = layerOf.v3!;
    for (let i = 0; i < 20; i++) {
      // With no app image stored, all of v3's layers download together and the damaged one fails among them.
      for (const image of await engine.docker.listImages()) {
        if (!image.RepoTags?.includes("berth/host:latest")) await engine.docker.getImage(image.Id).remove({ force: true });
      }
      // A prune also drops the layers an earlier failed pull stored without an image.
      await engine.docker.pruneImages({ filters: { dangling: ["false"] } });
      proxy.options.corrupt = new Set([damaged!]);
      const { messages } = await pull({ fromImage: `${proxy.host}/app`, tag: "v3" });
      assert.match(messages.at(-1)!.error ?? "", /^filesystem layer verification failed/, `pull ${i}`);
      assert.deepEqual(stagingLeft(), [], `pull ${i}`);
    }
  });

  it("an interrupted download leaves nothing half-stored, and a retry completes the pull", async () => {
    const [, , cut] = layerOf.v4!;
    proxy.options.cut = new Set([cut!]);
    const { messages } = await pull({ fromImage: `${proxy.host}/app`, tag: "v4" });
    assert.ok(messages.at(-1)!.error, JSON.stringify(messages.at(-1)));
    assert.equal(storedBlobs().includes(cut!), false);
    assert.deepEqual(stagingLeft(), []);
    await assert.rejects(engine.docker.getImage(`${proxy.host}/app:v4`).inspect(), /No such image/);

    proxy.options.cut = undefined;
    proxy.requests.length = 0;
    const retry = await pull({ fromImage: `${proxy.host}/app`, tag: "v4" });
    assert.equal(retry.messages.at(-1)!.status, `Status: Downloaded newer image for ${proxy.host}/app:v4`);
    assert.ok(proxy.blobRequests().includes(`GET /v2/app/blobs/${cut}`));
    const layers = (await engine.docker.getImage(`${proxy.host}/app:v4`).inspect()).RootFS.Layers!;
    assert.equal(layers.length, 3);
  });

  it("a client that goes away cancels the pull: the partial download is deleted and nothing is recorded", async () => {
    const [, , layer] = layerOf.v5!;
    const { req, answered } = await stalledPull("v5", layer!);
    req.destroy();
    await answered;
    while (stagingLeft().length > 0) await new Promise((r) => setTimeout(r, 20));
    assert.equal(storedBlobs().includes(layer!), false);
    await assert.rejects(engine.docker.getImage(`${proxy.host}/app:v5`).inspect(), /No such image/);
  });

  it("a berthd killed mid-pull comes back with nothing of the pull, and the pull then succeeds", async () => {
    const [, , layer] = layerOf.v6!;
    await stalledPull("v6", layer!);
    engine.daemon.child.kill("SIGKILL");
    await engine.daemon.exited;
    engine = await startEngine(engine.root);
    assert.deepEqual(stagingLeft(), []);
    assert.equal(storedBlobs().includes(layer!), false);
    assert.equal(storedBlobs().includes(ids["app:v6"]!), false, "not even the config, which was complete");
    await assert.rejects(engine.docker.getImage(`${proxy.host}/app:v6`).inspect(), /No such image/);

    proxy.options = {};
    const retry = await pull({ fromImage: `${proxy.host}/app`, tag: "v6" });
    assert.equal(retry.messages.at(-1)!.status, `Status: Downloaded newer image for ${proxy.host}/app:v6`);
  });

  it("gets a bearer token from the registry's token server with the client's credentials", async () => {
    const auth = Buffer.from(JSON.stringify({ username: USER, password: PASSWORD, serveraddress: bearer.host })).toString("base64url");
    const { status, messages, body } = await pull({ fromImage: `${bearer.host}/busybox`, tag: "latest" }, { "X-Registry-Auth": auth });
    assert.equal(status, 200, body);
    assert.equal(messages.at(-1)!.status, `Status: Downloaded newer image for ${bearer.host}/busybox:latest`);
    assert.deepEqual(bearer.tokenRequests, [{ scope: "repository:busybox:pull", authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}` }]);

    const anonymous = await pull({ fromImage: `${bearer.host}/busybox`, tag: "latest" });
    assert.equal(anonymous.status, 401);
    assert.match(JSON.parse(anonymous.body).message, new RegExp(`token server http://${bearer.host}/token refused: 401`));
  });

  it("answers a basic-auth challenge with the credentials in the Docker CLI's config.json", async () => {
    const { status, messages, body } = await pull({ fromImage: `${basic.host}/app`, tag: "v1" });
    assert.equal(status, 200, body);
    assert.equal(messages.at(-1)!.status, `Status: Downloaded newer image for ${basic.host}/app:v1`);
    assert.ok(basic.requests.includes("GET /v2/app/manifests/v1"));
  });

  it("pulls docker.io images from the configured mirrors, skipping one that does not answer", async () => {
    const { status, messages, body } = await pull({ fromImage: "busybox", tag: "latest" });
    assert.equal(status, 200, body);
    assert.equal(messages[0]!.status, "Pulling from library/busybox");
    assert.equal(messages.at(-1)!.status, "Status: Downloaded newer image for busybox:latest");
    assert.ok(proxy.requests.includes("GET /v2/library/busybox/manifests/latest"));
    assert.equal((await engine.docker.getImage("busybox:latest").inspect()).Id, ids["busybox"]);
  });

  it("berth image pull prints a line per layer step", async () => {
    const r = await berthCli(["--host", `unix://${engine.daemon.socket}`, "image", "pull", `${proxy.host}/app:v7`]);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assert.equal(lines[0], "v7: Pulling from app");
    for (const layer of layerOf.v7!.map(short)) {
      const steps = lines.filter((line) => line.startsWith(`${layer}: `));
      assert.ok(steps.join() === `${layer}: Already exists` || steps.join() === `${layer}: Download complete,${layer}: Pull complete`, r.stdout);
    }
    assert.ok(!r.stdout.includes("Downloading"), "no byte counts on a plain output");
    assert.equal(lines.at(-1), `Status: Downloaded newer image for ${proxy.host}/app:v7`);

    const missing = await berthCli(["--host", `unix://${engine.daemon.socket}`, "image", "pull", `${proxy.host}/app:v99`]);
    assert.equal(missing.status, 1, missing.stderr);
    assert.match(missing.stderr, new RegExp(`^Error response from daemon: manifest for ${proxy.host}/app:v99 not found`));
  });

  describe("with the docker CLI", () => {
    let config: string;
    const docker = (...args: string[]) => run("docker", args, { HOME: config, DOCKER_CONFIG: config, DOCKER_HOST: `unix://${engine.daemon.socket}` });
    before(() => (config = mkdtempSync(join(tmpdir(), "berth-docker-config-"))));
    after(() => rmSync(config, { recursive: true, force: true }));

    it("docker pull shows progress and docker run --rm runs the pulled image", async () => {
      await engine.docker.getImage(`${proxy.host}/busybox:latest`).remove().catch(() => undefined);
      const pulled = await docker("pull", `${proxy.host}/busybox`);
      assert.equal(pulled.status, 0, pulled.stderr);
      assert.match(pulled.stdout, /^latest: Pulling from busybox$/m);
      assert.match(pulled.stdout, new RegExp(`^Digest: ${busyboxDigest}$`, "m"));
      assert.match(pulled.stdout, new RegExp(`^Status: (Downloaded newer image|Image is up to date) for ${proxy.host}/busybox:latest$`, "m"));
      const ran = await docker("run", "--rm", `${proxy.host}/busybox`, "echo", "hello from the registry");
      assert.equal(ran.status, 0, ran.stderr);
      assert.equal(ran.stdout, "hello from the registry\n");
    });

    it("docker run pulls an image it does not find, then runs it", async () => {
      await assert.rejects(engine.docker.getImage(`${proxy.host}/app:v5`).inspect(), /No such image/);
      const ran = await docker("run", "--rm", `${proxy.host}/app:v5`);
      assert.equal(ran.status, 0, ran.stderr);
      assert.match(ran.stderr, new RegExp(`^Unable to find image '${proxy.host}/app:v5' locally$`, "m"));
      assert.equal(ran.stdout, "h\n", "the image's command prints its file");
    });

    it("docker pull exits non-zero when a blob fails its digest check midway", async () => {
      const [damaged] = layerOf.v8!.slice(-1);
      proxy.options.corrupt = new Set([damaged!]);
      const r = await docker("pull", `${proxy.host}/app:v8`);
      assert.equal(r.status, 1);
      assert.match(r.stderr, new RegExp(`filesystem layer verification failed for digest ${damaged}`));
    });

    it("docker pull of a missing image fails with the registry's answer", async () => {
      const r = await docker("pull", `${proxy.host}/nothing-here:1`);
      assert.equal(r.status, 1);
      assert.match(r.stderr, new RegExp(`manifest for ${proxy.host}/nothing-here:1 not found`));
    });
  });
});
