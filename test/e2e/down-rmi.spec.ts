// `berth down --rmi local|all` against an isolated berthd, on a project with a built service (no image: name,
// so compose's local image `rmi-app`) and one with an image of its own: local removes only the built image, all
// both; an image a container of another project still uses stays, with a warning; no container or network of the
// project is left after each down.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUSYBOX, loadBusybox, startEngine, stopEngine, type Engine } from "../integration/containers/helpers.js";
import { berthOk, runBerth } from "./run-berth.js";

// ends at once on SIGTERM, so stops take no grace period
const COMMAND = ["sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"];
const COMPOSE = JSON.stringify({
  name: "rmi",
  services: { app: { build: ".", command: COMMAND }, tool: { image: "rmi/tool:1", command: COMMAND } },
});

describe("berth down --rmi (e2e, root)", function () {
  this.timeout(120_000);
  let engine: Engine;
  let dir: string;
  let elsewhere: string;
  const ok = (args: string[], cwd = dir) => berthOk(cwd, engine.daemon.socket, args);
  /** Which of the images the engine has. */
  const present = async (...names: string[]) => {
    const result: Record<string, boolean> = {};
    for (const name of names) result[name] = await engine.docker.getImage(name).inspect().then(() => true, () => false);
    return result;
  };
  const noLeftovers = async () => {
    const filters = { label: ["com.docker.compose.project=rmi"] };
    assert.deepEqual(await engine.docker.listContainers({ all: true, filters }), [], "no container of the project is left");
    assert.deepEqual(await engine.docker.listNetworks({ filters }), [], "no network of the project is left");
  };

  before(async () => {
    engine = await startEngine();
    await loadBusybox(engine.docker);
    dir = mkdtempSync(join(tmpdir(), "berth-down-rmi-"));
    elsewhere = mkdtempSync(join(tmpdir(), "berth-down-rmi-nofile-"));
    writeFileSync(join(dir, "compose.yaml"), COMPOSE);
    writeFileSync(join(dir, "Dockerfile"), `FROM ${BUSYBOX}\nCOPY message /message\n`);
    writeFileSync(join(dir, "message"), "built\n");
  });
  beforeEach(async () => {
    await engine.docker.getImage(BUSYBOX).tag({ repo: "rmi/tool", tag: "1" });
    ok(["up", "-d"]);
    assert.deepEqual(await present("rmi-app", "rmi/tool:1"), { "rmi-app": true, "rmi/tool:1": true });
  });
  afterEach(async () => {
    for (const image of ["rmi-app", "rmi/tool:1"]) await engine.docker.getImage(image).remove().catch(() => undefined);
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(elsewhere, { recursive: true, force: true });
    await stopEngine(engine);
  });

  it("--rmi local removes the image built for the service without an image: name, and keeps the named one", async () => {
    const down = ok(["down", "--rmi", "local"]);
    assert.match(down.stderr, /Container rmi-app-1 {2}Removed[\s\S]*Image rmi-app {2}Removing\nImage rmi-app {2}Removed\n/);
    assert.doesNotMatch(down.stderr, /Image rmi\/tool/);
    await noLeftovers();
    assert.deepEqual(await present("rmi-app", "rmi/tool:1", BUSYBOX), { "rmi-app": false, "rmi/tool:1": true, [BUSYBOX]: true });
  });

  it("--rmi all removes every service's image (a second tag of an image only goes as a tag)", async () => {
    const down = ok(["down", "--rmi", "all"]);
    assert.match(down.stderr, /Image rmi-app {2}Removed/);
    assert.match(down.stderr, /Image rmi\/tool:1 {2}Removed/);
    await noLeftovers();
    assert.deepEqual(await present("rmi-app", "rmi/tool:1", BUSYBOX), { "rmi-app": false, "rmi/tool:1": false, [BUSYBOX]: true });
  });

  it("with -p NAME and no compose file, --rmi local finds the built image from the containers' labels", async () => {
    ok(["-p", "rmi", "down", "--rmi", "local"], elsewhere);
    await noLeftovers();
    assert.deepEqual(await present("rmi-app", "rmi/tool:1"), { "rmi-app": false, "rmi/tool:1": true });
  });

  it("an image a container outside the project uses stays, with a warning; down still succeeds", async () => {
    const outsider = await engine.docker.createContainer({ Image: "rmi-app", name: "outsider", Cmd: ["true"] });
    try {
      const down = ok(["down", "--rmi", "local"]);
      assert.match(down.stderr, /Image rmi-app {2}Resource is still in use .*being used by a container/);
      await noLeftovers();
      assert.deepEqual(await present("rmi-app"), { "rmi-app": true });
    } finally {
      await outsider.remove();
    }
  });

  it("rejects any other --rmi value before removing anything", async () => {
    const down = runBerth(dir, ["--host", `unix://${engine.daemon.socket}`, "down", "--rmi", "some"]);
    assert.equal(down.status, 1, down.stderr);
    assert.match(down.stderr, /invalid value for --rmi: "some"/);
    const containers = await engine.docker.listContainers({ filters: { label: ["com.docker.compose.project=rmi"] } });
    assert.deepEqual(containers.map((c) => c.Names[0]).sort(), ["/rmi-app-1", "/rmi-tool-1"], "nothing was taken down");
    ok(["down", "--rmi", "all"]);
    await noLeftovers();
  });
});
