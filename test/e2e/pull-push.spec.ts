// `berth pull` and `berth push` of a project against a real registry (Debian's docker-registry on 127.0.0.1,
// reached from the test berthd's namespace through a portal), and `up` with pull_policy: always recreating a
// container only when the registry's image changed.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUSYBOX, loadBusybox, startEngine, stopEngine, type Engine } from "../integration/containers/helpers.js";
import { getManifest, openPortal, startRegistry, type Portal, type Registry } from "../integration/registry/registry.js";
import { runBerthAsync } from "./run-berth.js";

describe("berth pull and push (e2e, root)", function () {
  this.timeout(120_000);
  let registry: Registry;
  let engine: Engine;
  let portal: Portal;
  let dir: string;
  /** the image the builder project builds and pushes */
  let app: string;
  let firstId: string;

  /** berth in `project`'s directory (async: the portal berthd reaches the registry through lives in this process) */
  const berth = (project: string, args: string[]) => runBerthAsync(join(dir, project), ["--host", `unix://${engine.daemon.socket}`, "--progress", "plain", ...args]);
  const ok = async (project: string, args: string[]) => {
    const r = await berth(project, args);
    assert.equal(r.status, 0, `berth ${args.join(" ")}:\n${r.stderr}`);
    return r;
  };
  const project = (name: string, compose: object, files: Record<string, string> = {}) => {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, "compose.yaml"), JSON.stringify({ name, ...compose }));
    for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, name, file), content);
  };
  const imageId = (name: string) => engine.docker.getImage(name).inspect().then((i) => i.Id, () => undefined);
  const lastTagTime = async (name: string) => ((await engine.docker.getImage(name).inspect()) as unknown as { Metadata: { LastTagTime: string } }).Metadata.LastTagTime;
  const removeImage = async (name: string) => void (await engine.docker.getImage(name).remove());
  const runnerContainers = async () =>
    (await engine.docker.listContainers({ all: true, filters: { label: ["com.docker.compose.project=runner"] } })).map((c) => ({ id: c.Id, image: c.ImageID, state: c.State }));

  before(async () => {
    registry = await startRegistry();
    engine = await startEngine();
    await loadBusybox(engine.docker);
    portal = await openPortal(engine.root, [registry.port]);
    dir = mkdtempSync(join(tmpdir(), "berth-pull-push-"));
    app = `${registry.host}/app:1`;
    project("builder", { services: { app: { build: ".", image: app }, plain: { image: BUSYBOX } } }, { Dockerfile: `FROM ${BUSYBOX}\nCOPY message /message\n`, message: "first\n" });
    project("puller", { services: { app: { image: app }, web: { image: `${registry.host}/missing:1` } } });
    // the same build, to the registry and to a port on the daemon's own loopback where nothing listens
    project("pushfail", { services: { good: { build: "../builder", image: app }, bad: { build: "../builder", image: "127.0.0.1:9/app:1" } } });
    project("deps", { services: { front: { image: app, depends_on: ["back"] }, back: { image: `${registry.host}/missing:1` } } });
    project("policies", { services: { app: { image: app, pull_policy: "missing" }, other: { image: `${registry.host}/other:1`, pull_policy: "never" } } });
    // ends at once on SIGTERM, so a recreate takes no grace period
    project("runner", { services: { app: { image: app, pull_policy: "always", network_mode: "none", command: ["sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"] } } });
  });

  after(async () => {
    if (engine && dir) await berth("runner", ["down"]);
    await portal?.stop();
    if (engine) await stopEngine(engine);
    await registry?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("push sends the image a service builds, with each layer's progress; services that build nothing are skipped", async () => {
    await ok("builder", ["build", "-q"]);
    firstId = (await imageId(app))!;
    const push = await ok("builder", ["push"]);
    const manifest = await getManifest(registry, "app", "1");
    assert.equal((manifest.json.config as { digest: string }).digest, firstId, "the registry holds the image built");
    assert.match(push.stderr, /^Service plain {2}Skipped Not built by the project$/m);
    assert.match(push.stderr, new RegExp(`^Image ${app} {2}Pushing\n`, "m"));
    assert.match(push.stderr, new RegExp(`^Image ${app} {2}[0-9a-f]{12} Pushed$`, "m"), "a line per layer");
    const pushing = [...push.stderr.matchAll(/ ([0-9a-f]{12}) Pushing$/gm)].map((m) => m[1]);
    assert.ok(pushing.length > 0);
    assert.deepEqual(pushing, [...new Set(pushing)], "a line per layer state, none per byte count");
    assert.match(push.stderr, new RegExp(`^Image ${app} {2}Pushed$`, "m"));
  });

  it("push fails naming the service and image it cannot push; --ignore-push-failures pushes the rest and warns; -q shows nothing", async () => {
    await ok("pushfail", ["build", "-q"]);
    const failed = await berth("pushfail", ["push"]);
    assert.equal(failed.status, 1, failed.stderr);
    assert.match(failed.stderr, /service bad: pushing image 127\.0\.0\.1:9\/app:1: .+\n$/);
    const ignoring = await ok("pushfail", ["push", "--ignore-push-failures"]);
    assert.match(ignoring.stderr, new RegExp(`^Image ${app} {2}Pushed$`, "m"));
    assert.match(ignoring.stderr, /^WARN service bad: pushing image 127\.0\.0\.1:9\/app:1: .+\n$/m);
    const quiet = await ok("pushfail", ["push", "-q", "good"]);
    assert.deepEqual([quiet.stdout, quiet.stderr], ["", ""]);
    await removeImage("127.0.0.1:9/app:1");
  });

  it("pull of a two-service project fails naming the service and image it cannot pull; --ignore-pull-failures pulls the rest and warns", async () => {
    await removeImage(app);
    assert.equal(await imageId(app), undefined);
    const failed = await berth("puller", ["pull"]);
    assert.equal(failed.status, 1, failed.stderr);
    assert.match(failed.stderr, new RegExp(`service web: pulling image ${registry.host}/missing:1: .+\n$`));

    const ignoring = await ok("puller", ["pull", "--ignore-pull-failures"]);
    assert.match(ignoring.stderr, new RegExp(`^WARN service web: pulling image ${registry.host}/missing:1: `, "m"));
    assert.match(ignoring.stderr, new RegExp(`^Image ${app} {2}Pulled$`, "m"));
    assert.equal(await imageId(app), firstId, "what was pushed came back");
  });

  it("pull SERVICE pulls only that one, --include-deps also what it depends on; --ignore-buildable skips what can be built", async () => {
    const front = await ok("deps", ["pull", "front"]);
    assert.match(front.stderr, new RegExp(`^Image ${app} {2}Pulled$`, "m"));
    assert.doesNotMatch(front.stderr, /missing/);
    const withDeps = await berth("deps", ["pull", "front", "--include-deps"]);
    assert.equal(withDeps.status, 1, withDeps.stderr);
    assert.match(withDeps.stderr, new RegExp(`service back: pulling image ${registry.host}/missing:1: `));
    const unknown = await berth("deps", ["pull", "nothing"]);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /no such service: nothing/);
    const buildable = await ok("builder", ["pull", "--ignore-buildable", "app"]);
    assert.equal(buildable.stderr, "Service app  Skipped Image can be built\n");
  });

  it("pull -q pulls and prints nothing", async () => {
    await removeImage(app);
    const quiet = await ok("puller", ["pull", "-q", "app"]);
    assert.deepEqual([quiet.stdout, quiet.stderr], ["", ""]);
    assert.equal(await imageId(app), firstId);
  });

  it("pull honours pull_policy never (skipped) and missing (skipped when present); --policy always overrides them", async () => {
    const tagged = await lastTagTime(app);
    const pull = await ok("policies", ["pull"]);
    assert.match(pull.stderr, /^Service app {2}Skipped Image is already present locally$/m);
    assert.match(pull.stderr, /^Service other {2}Skipped pull_policy: never$/m);
    assert.equal(await lastTagTime(app), tagged, "app was not pulled again");
    assert.equal(await imageId(`${registry.host}/other:1`), undefined);

    await ok("policies", ["pull", "--policy", "always", "app"]);
    assert.ok(Date.parse(await lastTagTime(app)) > Date.parse(tagged), "pulled: its LastTagTime moved on");
    const bad = await berth("policies", ["pull", "--policy", "sometimes"]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /argument 'sometimes' is invalid\. Allowed choices are missing, always\./);
  });

  it("up with pull_policy: always recreates the container only when the registry's image under the tag changed", async () => {
    const up = await ok("runner", ["up", "-d"]);
    assert.match(up.stderr, new RegExp(`^Image ${app} {2}Pulled$`, "m"));
    const [first] = await runnerContainers();
    assert.equal(first!.image, firstId);
    await ok("runner", ["up", "-d"]);
    assert.deepEqual(await runnerContainers(), [first], "the pull found the same image: the container stays");

    // a new image under the same tag in the registry; the engine's tag goes back to the old one
    writeFileSync(join(dir, "builder", "message"), "second\n");
    await ok("builder", ["build", "-q"]);
    const secondId = (await imageId(app))!;
    assert.notEqual(secondId, firstId);
    await ok("builder", ["push", "app"]);
    await engine.docker.getImage(firstId).tag({ repo: `${registry.host}/app`, tag: "1" });
    assert.equal(await imageId(app), firstId);

    await ok("runner", ["up", "-d"]);
    const [second] = await runnerContainers();
    assert.equal(second!.image, secondId, "the pulled image runs");
    assert.notEqual(second!.id, first!.id, "in a new container");
    assert.equal(second!.state, "running");
    assert.equal((await ok("runner", ["exec", "-T", "app", "cat", "/message"])).stdout, "second\n");
    await ok("runner", ["down"]);
    assert.deepEqual(await runnerContainers(), []);
  });
});
