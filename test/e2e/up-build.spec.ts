// `berth up` on a project whose service is built from `build: .`, against an isolated berthd: up builds the
// missing image and runs it; after a file changes, `up --build` rebuilds it and recreates the container.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUSYBOX, loadBusybox, startEngine, stopEngine, type Engine } from "../integration/containers/helpers.js";
import { berthOk } from "./run-berth.js";

const COMPOSE = JSON.stringify({
  name: "built",
  // ends at once on SIGTERM, so recreating takes no grace period
  services: { app: { build: ".", command: ["sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"] } },
});

describe("berth up with a build section (e2e, root)", function () {
  this.timeout(120_000);
  let engine: Engine;
  let dir: string;
  const ok = (args: string[]) => berthOk(dir, engine.daemon.socket, args);
  const container = async () => {
    const list = await engine.docker.listContainers({ all: true, filters: { label: ["com.docker.compose.project=built"] } });
    return list.map((c) => ({ name: c.Names[0]!.slice(1), id: c.Id, image: c.ImageID, state: c.State }));
  };
  /** /message in the running container */
  const message = () => ok(["exec", "-T", "app", "cat", "/message"]).stdout;

  before(async () => {
    engine = await startEngine();
    await loadBusybox(engine.docker);
    dir = mkdtempSync(join(tmpdir(), "berth-up-build-"));
    writeFileSync(join(dir, "compose.yaml"), COMPOSE);
    writeFileSync(join(dir, "Dockerfile"), `FROM ${BUSYBOX}\nCOPY message /message\n`);
    writeFileSync(join(dir, "message"), "first\n");
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await stopEngine(engine);
  });

  it("up -d builds the missing image as built-app and runs it; a second up leaves it alone", async () => {
    assert.match(ok(["up", "--dry-run"]).stdout, /^#1 create network built_default\n#2 build image built-app\n#3 create container built-app-1 \(after #2, #1\)\n/);
    const up = ok(["up", "-d"]);
    assert.match(up.stderr, /Image built-app {2}Built/);
    const image = await engine.docker.getImage("built-app").inspect();
    const [app] = await container();
    assert.deepEqual({ ...app, id: "" }, { name: "built-app-1", id: "", image: image.Id, state: "running" });
    assert.equal(message(), "first\n");
    assert.match(ok(["up", "-d"]).stderr, /up to date/);
    assert.deepEqual(await container(), [app]);
  });

  it("up --build with an unchanged context keeps the container; after a file changes it recreates it", async () => {
    const [first] = await container();
    ok(["up", "-d", "--build"]);
    assert.deepEqual(await container(), [first], "the cached build gives the same image id");

    writeFileSync(join(dir, "message"), "second\n");
    assert.match(ok(["up", "-d"]).stderr, /up to date/, "without --build the existing image is used");
    ok(["up", "-d", "--build"]);
    const [second] = await container();
    const image = await engine.docker.getImage("built-app").inspect();
    assert.notEqual(image.Id, first!.image);
    assert.equal(second!.image, image.Id);
    assert.notEqual(second!.id, first!.id);
    assert.equal(message(), "second\n");
  });

  it("--no-build and --pull never with the image present start nothing new; down removes the container", async () => {
    assert.match(ok(["up", "-d", "--no-build", "--pull", "never"]).stderr, /up to date/);
    ok(["down"]);
    assert.deepEqual(await container(), []);
    await engine.docker.getImage("built-app").remove();
  });
});
