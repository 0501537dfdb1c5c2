// Commands beyond `up` against an isolated berthd: `create --scale` makes stopped replicas (and takes up's
// recreate and build flags), `logs -f` follows the replicas a later `up --scale` adds (each with its own prefix)
// and a recreate's replacement, and `ls --filter name=` picks projects by name; nothing of the projects is left
// after down.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEngine, stopEngine, type Engine } from "../integration/containers/helpers.js";
import { berthOk, root, runBerth } from "./run-berth.js";

/** Says which replica it is (its hostname is its container id), then runs until SIGTERM. */
const REPLICA = ["sh", "-c", "echo hello from $$(hostname); trap 'exit 0' TERM; sleep 1000 & wait"];

function stack(name: string): string {
  return JSON.stringify({ name, services: { web: { image: "berth/host", command: REPLICA, network_mode: "none" } } });
}

describe("create --scale, logs -f on new replicas, ls --filter (e2e, root)", function () {
  this.timeout(120_000);
  let engine: Engine;
  let work: string;
  /** one directory per project */
  const dirOf = (name: string) => join(work, name);
  const ok = (name: string, args: string[]) => berthOk(dirOf(name), engine.daemon.socket, args);
  const states = async (project: string) => {
    const list = await engine.docker.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${project}`] } });
    return Object.fromEntries(list.map((c) => [c.Names[0]!.slice(1), c.State]));
  };
  const downAndCheck = async (project: string) => {
    ok(project, ["down"]);
    assert.deepEqual(await states(project), {}, `no container of ${project} is left`);
    assert.deepEqual(await engine.docker.listNetworks({ filters: { label: [`com.docker.compose.project=${project}`] } }), []);
  };

  /** The container's hostname: its id's start, which REPLICA prints. */
  const hostname = async (name: string) => (await engine.docker.getContainer(name).inspect()).Config.Hostname;
  let follower: ChildProcess | undefined;
  /** `berth logs -f` in the background; `until` waits for its output to satisfy `done`, failing if it ends first. */
  const follow = (project: string) => {
    const child = spawn(process.execPath, [join(root, "bin/berth.js"), "--host", `unix://${engine.daemon.socket}`, "logs", "-f"], { cwd: dirOf(project) });
    follower = child;
    const logs = {
      out: "",
      errors: "",
      exited: new Promise<number | null>((resolve) => child.once("exit", resolve)),
      until: async (done: () => boolean) => {
        while (!done()) {
          assert.equal(child.exitCode, null, `logs -f ended early:\n${logs.out}${logs.errors}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      },
    };
    child.stdout.on("data", (chunk: Buffer) => (logs.out += chunk));
    child.stderr.on("data", (chunk: Buffer) => (logs.errors += chunk));
    return logs;
  };

  before(async () => {
    engine = await startEngine();
    work = mkdtempSync(join(tmpdir(), "berth-scale-follow-"));
    for (const name of ["scaled", "frontend", "backend"]) {
      mkdirSync(dirOf(name));
      writeFileSync(join(dirOf(name), "compose.yaml"), stack(name));
    }
    mkdirSync(dirOf("built"));
    writeFileSync(join(dirOf("built"), "compose.yaml"), JSON.stringify({ name: "built", services: { app: { build: ".", network_mode: "none" } } }));
    writeFileSync(join(dirOf("built"), "Dockerfile"), "FROM berth/host\nRUN echo built > /message\n");
  });
  afterEach(() => {
    if (follower?.exitCode === null) follower.kill(); // a failed test leaves no follower behind
  });
  after(async () => {
    rmSync(work, { recursive: true, force: true });
    await stopEngine(engine);
  });

  it("create --scale web=3 creates three stopped replicas; a second create changes nothing", async () => {
    ok("scaled", ["create", "--scale", "web=3"]);
    assert.deepEqual(await states("scaled"), { "scaled-web-1": "created", "scaled-web-2": "created", "scaled-web-3": "created" });
    const ids = (await engine.docker.listContainers({ all: true })).map((c) => c.Id).sort();
    ok("scaled", ["create", "--scale", "web=3"]);
    assert.deepEqual((await engine.docker.listContainers({ all: true })).map((c) => c.Id).sort(), ids, "up to date: left alone");
    const bad = runBerth(dirOf("scaled"), ["--host", `unix://${engine.daemon.socket}`, "create", "--scale", "web"]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /invalid --scale "web": use SERVICE=NUMBER/);
    await downAndCheck("scaled");
  });

  it("create --force-recreate replaces the containers; --no-build and --build as up has them", async () => {
    ok("scaled", ["create"]);
    const [before] = (await engine.docker.listContainers({ all: true })).map((c) => c.Id);
    ok("scaled", ["create", "--force-recreate"]);
    const after = await engine.docker.listContainers({ all: true });
    assert.deepEqual([after.length, after[0]!.State], [1, "created"]);
    assert.notEqual(after[0]!.Id, before);
    await downAndCheck("scaled");

    const noBuild = runBerth(dirOf("built"), ["--host", `unix://${engine.daemon.socket}`, "create", "--no-build"]);
    assert.equal(noBuild.status, 1, noBuild.stderr);
    assert.match(noBuild.stderr, /built-app.*--no-build/);
    assert.deepEqual(await states("built"), {}, "nothing was created");
    assert.match(ok("built", ["create", "--build"]).stderr, /Image built-app {2}Built/);
    assert.deepEqual(await states("built"), { "built-app-1": "created" });
    ok("built", ["down", "--rmi", "local"]);
    assert.deepEqual(await states("built"), {});
    await assert.rejects(engine.docker.getImage("built-app").inspect(), /no such image/i);
  });

  it("logs -f follows the replicas a later up --scale adds, each with its own prefix, until they stop", async () => {
    ok("scaled", ["up", "-d"]);
    const logs = follow("scaled");
    // the first replica's line shows once the follower is attached (and subscribed to the engine's events)
    await logs.until(() => logs.out.includes("web-1"));
    ok("scaled", ["up", "-d", "--scale", "web=3"]);
    const expected = await Promise.all([1, 2, 3].map(async (n) => `web-${n}  | hello from ${await hostname(`scaled-web-${n}`)}`));
    await logs.until(() => expected.every((line) => logs.out.includes(line)));
    ok("scaled", ["stop"]);
    assert.equal(await logs.exited, 0, logs.errors);
    assert.deepEqual(logs.out.split("\n").filter(Boolean).sort(), expected, "each replica's line once, with its own prefix");
    await downAndCheck("scaled");
  });

  it("logs -f goes on with the replacement when up recreates the container it follows", async () => {
    ok("scaled", ["up", "-d"]);
    const first = await hostname("scaled-web-1");
    const logs = follow("scaled");
    await logs.until(() => logs.out.includes(first));
    ok("scaled", ["up", "-d", "--force-recreate"]);
    const second = await hostname("scaled-web-1");
    assert.notEqual(second, first);
    await logs.until(() => logs.out.includes(second));
    ok("scaled", ["stop"]);
    assert.equal(await logs.exited, 0, logs.errors);
    assert.equal(logs.out, `web-1  | hello from ${first}\nweb-1  | hello from ${second}\n`);
    await downAndCheck("scaled");
  });

  it("ls --filter name=PATTERN lists only the matching projects; -a includes stopped ones; a bad filter is an error", async () => {
    ok("frontend", ["up", "-d"]);
    ok("backend", ["create"]);
    const ls = (args: string[]) => ok("frontend", ["ls", ...args]).stdout;
    assert.equal(ls(["-q", "--filter", "name=front"]), "frontend\n");
    assert.equal(ls(["-q", "--filter", "name=end$"]), "frontend\n", "backend has no running container: listed only with -a");
    assert.equal(ls(["-a", "-q", "--filter", "name=end$"]), "backend\nfrontend\n");
    assert.equal(ls(["-a", "-q", "--filter", "name=^back", "--filter", "name=^nomatch"]), "backend\n", "any of the patterns");
    const json = JSON.parse(ls(["-a", "--format", "json", "--filter", "name=backend"])) as { Name: string; Status: string }[];
    assert.deepEqual(json.map((p) => [p.Name, p.Status]), [["backend", "created(1)"]]);
    assert.match(ls(["--filter", "name=front"]), /^NAME\s+STATUS\s+CONFIG FILES\nfrontend\s+running\(1\)\s+\S+compose\.yaml\n$/);
    for (const [filter, message] of [["status=running", /invalid filter 'status'/], ["name", /bad format of filter "name" \(expected name=value\)/]] as const) {
      const bad = runBerth(dirOf("frontend"), ["--host", `unix://${engine.daemon.socket}`, "ls", "--filter", filter]);
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, message);
    }
    await downAndCheck("frontend");
    await downAndCheck("backend");
  });
});
