// Builds whose base images are only in a registry (Debian's docker-registry on 127.0.0.1): berthd pulls them during
// the build, as dockerd's classic builder does, with credentials from X-Registry-Config; and a push records the
// image's repo digest (RepoDigests), which a restart of berthd keeps.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { Service } from "../../../src/compose/model.js";
import { buildServiceImage } from "../../../src/orchestrate/build.js";
import { busyboxArchive, demux, startEngine, stopEngine, type Engine } from "../containers/helpers.js";
import { busyboxLayer, dockerSaveArchive, makeImage, makeTar } from "../image/tars.js";
import { getManifest, openPortal, PASSWORD, postStream, run, skopeoPush, startProxy, startRegistry, USER, type Portal, type Proxy, type Registry } from "../registry/registry.js";

interface BuildMessage {
  stream?: string;
  status?: string;
  id?: string;
  progressDetail?: { total?: number };
  aux?: { ID: string };
  error?: string;
}

interface BuildResult {
  messages: BuildMessage[];
  /** The stream text and the pull's status lines, in order, as `docker build` prints them without a terminal. */
  output: string;
  id?: string;
  error?: string;
}

describe("build: base images pulled from a registry (integration, root)", function () {
  this.timeout(120_000);
  let registry: Registry;
  let proxy: Proxy;
  let basic: Proxy;
  let engine: Engine;
  let portal: Portal;
  let work: string;
  let context: string;
  const previousDockerConfig = process.env.DOCKER_CONFIG;

  const stagingLeft = () => readdirSync(join(engine.root, "image", "tmp"));

  /** Pushes busybox plus a layer holding /version with `version`, as `repo:tag` of the registry. */
  async function pushBase(target: string, version: string): Promise<string> {
    const image = makeImage([await busyboxLayer(), await makeTar([{ name: "version", content: `${version}\n` }])]);
    const archive = join(work, `${target.replace(/[:/]/g, "_")}-${version}.tar`);
    writeFileSync(archive, await dockerSaveArchive([{ image, tags: [] }]));
    skopeoPush(archive, registry, target);
    return image.id;
  }

  async function build(dockerfile: string, options: Record<string, unknown> = {}): Promise<BuildResult> {
    rmSync(context, { recursive: true, force: true });
    mkdirSync(context);
    writeFileSync(join(context, "Dockerfile"), dockerfile);
    const tar = spawnSync("tar", ["-C", context, "-c", "."]).stdout;
    const stream = await engine.docker.buildImage(Readable.from([tar]) as unknown as NodeJS.ReadableStream, options);
    const result: BuildResult = { messages: [], output: "" };
    let pending = "";
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines.filter((l) => l.trim() !== "")) result.messages.push(JSON.parse(line) as BuildMessage);
    }
    for (const m of result.messages) {
      if (m.stream) result.output += m.stream;
      else if (m.status && m.progressDetail?.total === undefined) result.output += `${m.id ? `${m.id}: ` : ""}${m.status}\n`;
      if (m.aux) result.id = m.aux.ID;
      if (m.error) result.error = m.error;
    }
    return result;
  }

  async function runImage(image: string, cmd: string[]): Promise<string> {
    const c = await engine.docker.createContainer({ Image: image, Cmd: cmd });
    const exit = c.wait();
    await c.start();
    assert.equal((await exit).StatusCode, 0);
    const logs = await c.logs({ stdout: true, stderr: true, follow: true });
    const { stdout } = await demux(engine.docker, logs as unknown as NodeJS.ReadableStream);
    await c.remove();
    return stdout;
  }

  before(async function () {
    for (const tool of ["docker-registry", "skopeo"]) {
      assert.equal(spawnSync(tool, ["--version"]).status, 0, `${tool} is needed: apt-get install docker-registry skopeo`);
    }
    work = mkdtempSync(join(tmpdir(), "berth-build-pull-test-"));
    context = join(work, "context");
    registry = await startRegistry();
    const busybox = join(work, "busybox.tar");
    writeFileSync(busybox, await busyboxArchive());
    await pushBase("base:1", "one");
    await pushBase("private:1", "private");
    await pushBase("tools:1", "tools");
    await pushBase("cli-base:1", "cli");
    await pushBase("private-berth:1", "berth-cli");
    proxy = await startProxy(registry);
    basic = await startProxy(registry, { auth: "basic" });
    // berthd's own config.json holds no credentials: only what a build sends opens the basic-auth proxy.
    const dockerConfig = join(work, "docker-config");
    mkdirSync(dockerConfig);
    writeFileSync(join(dockerConfig, "config.json"), JSON.stringify({ auths: {} }));
    process.env.DOCKER_CONFIG = dockerConfig;
    engine = await startEngine();
    portal = await openPortal(engine.root, [proxy.port, basic.port]);
  });

  after(async () => {
    if (previousDockerConfig === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = previousDockerConfig;
    await portal?.stop();
    if (engine) await stopEngine(engine);
    for (const p of [proxy, basic]) await p?.stop();
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
    assert.equal(existsSync(work) || existsSync(registry.dir), false);
  });

  beforeEach(() => {
    proxy.requests.length = 0;
    basic.requests.length = 0;
  });

  const dockerfile = (base: string) => `FROM ${base}\nRUN cat /version > /seen\n`;

  it("pulls a base image the engine lacks during the build, with Docker's output, and builds on it", async () => {
    const base = `${proxy.host}/base:1`;
    await assert.rejects(engine.docker.getImage(base).inspect(), /No such image/);
    const result = await build(dockerfile(base), { t: "built:1" });
    assert.equal(result.error, undefined, result.output);
    const { digest } = await getManifest(registry, "base", "1");
    const lines = result.output.split("\n");
    const pullLines = lines.slice(lines.indexOf(`Step 1/2 : FROM ${base}`) + 1, lines.findIndex((l) => l.startsWith(" ---> ")));
    assert.equal(pullLines[0], "1: Pulling from base");
    assert.equal(pullLines.filter((l) => l.endsWith(": Pull complete")).length, 2, result.output);
    assert.deepEqual(pullLines.slice(-2), [`Digest: ${digest}`, `Status: Downloaded newer image for ${base}`]);
    assert.match(result.output, /^Step 2\/2 : RUN cat \/version > \/seen$/m);
    const pulled = await engine.docker.getImage(base).inspect();
    assert.deepEqual(pulled.RepoDigests, [`${proxy.host}/base@${digest}`]);
    assert.equal(await runImage("built:1", ["cat", "/seen"]), "one\n");
    assert.deepEqual(stagingLeft(), []);
  });

  it("a second build hits the cache and asks the registry nothing", async () => {
    const result = await build(dockerfile(`${proxy.host}/base:1`), { t: "built:1" });
    assert.equal(result.error, undefined, result.output);
    assert.equal(result.messages.filter((m) => m.status).length, 0, result.output);
    assert.match(result.output, /^ ---> Using cache$/m);
    assert.deepEqual(proxy.requests, []);
  });

  it("with pull=1 a base re-pushed under the same tag replaces the old one and the build runs on it", async () => {
    const before = (await engine.docker.getImage(`${proxy.host}/base:1`).inspect()).Id;
    const newId = await pushBase("base:1", "two");
    const cached = await build(dockerfile(`${proxy.host}/base:1`), { t: "built:1" });
    assert.equal(cached.error, undefined, cached.output);
    assert.deepEqual(proxy.requests, [], "without pull the base the engine has is used");
    assert.equal(await runImage("built:1", ["cat", "/seen"]), "one\n");

    const pulled = await build(dockerfile(`${proxy.host}/base:1`), { t: "built:1", pull: true });
    assert.equal(pulled.error, undefined, pulled.output);
    assert.match(pulled.output, new RegExp(`^Status: Downloaded newer image for ${proxy.host}/base:1$`, "m"));
    assert.doesNotMatch(pulled.output, /Using cache/, "a new base rebuilds every step");
    const base = await engine.docker.getImage(`${proxy.host}/base:1`).inspect();
    assert.notEqual(base.Id, before);
    assert.equal(base.Id, newId);
    assert.equal(await runImage("built:1", ["cat", "/seen"]), "two\n");

    const again = await build(dockerfile(`${proxy.host}/base:1`), { t: "built:1", pull: true });
    assert.match(again.output, new RegExp(`^Status: Image is up to date for ${proxy.host}/base:1$`, "m"));
    assert.match(again.output, /^ ---> Using cache$/m, "the same base: the cache holds");
  });

  it("pulls an image COPY --from names", async () => {
    const result = await build(`FROM ${proxy.host}/base:1\nCOPY --from=${proxy.host}/tools:1 /version /tools-version\nRUN cat /tools-version > /seen\n`, { t: "built:2" });
    assert.equal(result.error, undefined, result.output);
    assert.match(result.output, new RegExp(`^Step 2/3 : COPY --from=${proxy.host}/tools:1 /version /tools-version\\n1: Pulling from tools$`, "m"));
    assert.equal(await runImage("built:2", ["cat", "/seen"]), "tools\n");
  });

  it("pulls a private base with the credentials of X-Registry-Config; without them the build fails naming the line", async () => {
    const base = `${basic.host}/private:1`;
    const denied = await build(`# a private base\n${dockerfile(base)}`, { t: "private-built:1" });
    assert.equal(denied.error, `Dockerfile:2: FROM ${base}: the registry asks for a username and password: log in first (docker login, or auths in ~/.docker/config.json)`);
    await assert.rejects(engine.docker.getImage(base).inspect(), /No such image/);
    await assert.rejects(engine.docker.getImage("private-built:1").inspect(), /No such image/);
    assert.deepEqual(stagingLeft(), []);

    const wrong = await build(dockerfile(base), { t: "private-built:1", registryconfig: { [basic.host]: { username: USER, password: "wrong" } } });
    assert.equal(wrong.error, `Dockerfile:1: FROM ${base}: pull access denied for ${basic.host}/private, repository does not exist or may require 'docker login': unauthorized: authentication required`);

    const result = await build(dockerfile(base), { t: "private-built:1", registryconfig: { [basic.host]: { username: USER, password: PASSWORD } } });
    assert.equal(result.error, undefined, result.output);
    assert.match(result.output, new RegExp(`^Status: Downloaded newer image for ${base}$`, "m"));
    assert.equal(await runImage("private-built:1", ["cat", "/seen"]), "private\n");
  });

  it("a base the registry does not have fails the build with the registry's answer and the line", async () => {
    const result = await build(`FROM ${proxy.host}/base:1\nCOPY --from=${proxy.host}/nosuch:1 /x /x\n`);
    assert.match(result.error ?? "", new RegExp(`^Dockerfile:2: COPY --from=${proxy.host}/nosuch:1: manifest for ${proxy.host}/nosuch:1 not found`), result.output);
    await assert.rejects(engine.docker.getImage(`${proxy.host}/nosuch:1`).inspect(), /No such image/);
  });

  it("berth build sends the user's config.json credentials for the registries the Dockerfile's FROM lines name", async () => {
    rmSync(context, { recursive: true, force: true });
    mkdirSync(context);
    writeFileSync(join(context, "Dockerfile"), dockerfile(`${basic.host}/private-berth:1`));
    const userConfig = join(work, "user-config");
    mkdirSync(userConfig);
    writeFileSync(join(userConfig, "config.json"), JSON.stringify({ auths: { [basic.host]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString("base64") } } }));
    const berthdConfig = process.env.DOCKER_CONFIG;
    process.env.DOCKER_CONFIG = userConfig; // the CLI's environment; berthd keeps the one it started with
    let output = "";
    try {
      const service: Service = { build: { context } };
      await buildServiceImage(engine.docker, { service: "app", config: service, image: "berth-private:1", output: (text) => (output += text) });
    } finally {
      process.env.DOCKER_CONFIG = berthdConfig;
    }
    assert.match(output, /^1: Pulling from private-berth$/m);
    assert.match(output, new RegExp(`^Status: Downloaded newer image for ${basic.host}/private-berth:1$`, "m"));
    assert.doesNotMatch(output, /Downloading/, "no progress bars in the text output");
    assert.equal(await runImage("berth-private:1", ["cat", "/seen"]), "berth-cli\n");
  });

  it("never pulls scratch or berth/host, even with pull=1", async () => {
    const result = await build("FROM berth/host AS gen\nRUN echo host > /gen\nFROM scratch\nCOPY --from=gen /gen /gen\n", { t: "local-only:1", pull: true });
    assert.equal(result.error, undefined, result.output);
    assert.equal(result.messages.filter((m) => m.status).length, 0, result.output);
    assert.deepEqual(proxy.requests, []);
  });

  it("answers 400 to an X-Registry-Config that is no base64 JSON object", async () => {
    const { status, body } = await postStream(engine.daemon.socket, "/build", { "X-Registry-Config": Buffer.from("[1]").toString("base64url") });
    assert.equal(status, 400);
    assert.match(JSON.parse(body).message, /invalid X-Registry-Config header: expected a JSON object/);
  });

  it("DOCKER_BUILDKIT=0 docker build pulls a missing base", async () => {
    const config = mkdtempSync(join(tmpdir(), "berth-docker-config-"));
    try {
      rmSync(context, { recursive: true, force: true });
      mkdirSync(context);
      writeFileSync(join(context, "Dockerfile"), dockerfile(`${proxy.host}/cli-base:1`));
      const r = await run("docker", ["build", "-t", "cli-built:1", context], { HOME: config, DOCKER_CONFIG: config, DOCKER_HOST: `unix://${engine.daemon.socket}`, DOCKER_BUILDKIT: "0" });
      assert.equal(r.status, 0, r.stderr + r.stdout);
      assert.match(r.stdout, new RegExp(`^Step 1/2 : FROM ${proxy.host}/cli-base:1$`, "m"));
      assert.match(r.stdout, /^1: Pulling from cli-base$/m);
      assert.match(r.stdout, new RegExp(`^Status: Downloaded newer image for ${proxy.host}/cli-base:1$`, "m"));
      assert.match(r.stdout, /^Successfully tagged cli-built:1$/m);
      assert.equal(await runImage("cli-built:1", ["cat", "/seen"]), "cli\n");
    } finally {
      rmSync(config, { recursive: true, force: true });
    }
  });

  it("a pushed image shows its repo digest, the registry's manifest digest, also after berthd restarts", async () => {
    const name = `${proxy.host}/pushed-build`;
    await engine.docker.getImage("built:1").tag({ repo: name, tag: "7" });
    const pushed = await postStream(engine.daemon.socket, `/images/${name}/push?tag=7`);
    assert.equal(pushed.messages.find((m) => m.error), undefined, pushed.body);
    const { digest } = await getManifest(registry, "pushed-build", "7");
    const expected = `${name}@${digest}`;
    const id = (await engine.docker.getImage("built:1").inspect()).Id;
    assert.ok((await engine.docker.getImage(name + ":7").inspect()).RepoDigests.includes(expected));
    const listed = (await engine.docker.listImages()).find((image) => image.Id === id);
    assert.ok(listed?.RepoDigests?.includes(expected), JSON.stringify(listed));
    assert.equal((await engine.docker.getImage(expected).inspect()).Id, id, "the repo digest names the image");

    engine.daemon.child.kill("SIGTERM");
    assert.equal(await engine.daemon.exited, 0);
    engine = await startEngine(engine.root);
    assert.ok((await engine.docker.getImage(id).inspect()).RepoDigests.includes(expected));
  });
});
