// `berth up`, `ps` and `down` against an isolated berthd: a two-service project on berth/host with a user
// network and a named volume, converged again and again; a failing dependency; foreground up with Ctrl-C;
// nothing left afterwards.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorsUnder, startEngine, stopEngine, type Engine } from "../integration/containers/helpers.js";
import { berthOk, root, runBerth } from "./run-berth.js";

// Each service ends at once on SIGTERM (sleep as PID 1 would not), so stops take no grace period.
const serve = (line: string) => ["sh", "-c", `${line}; trap 'exit 0' TERM; sleep 1000 & wait`];

function stack(mode: string, extra = ""): string {
  return JSON.stringify({
    name: "demo",
    services: {
      store: {
        image: "berth/host",
        command: serve("echo stored >> /data/file"),
        volumes: ["data:/data"],
        networks: ["back"],
        healthcheck: { test: ["CMD", "test", "-f", "/data/file"], interval: "1s" },
      },
      web: {
        image: "berth/host",
        command: serve("true"),
        environment: { MODE: mode },
        networks: ["back"],
        depends_on: { store: { condition: "service_healthy" } },
      },
      ...(extra && { [extra]: { image: "berth/host", command: serve("true"), network_mode: "none" } }),
    },
    networks: { back: {} },
    volumes: { data: {} },
  });
}

describe("berth up / ps / down (e2e, root)", function () {
  this.timeout(120_000);
  let engine: Engine;
  let dir: string;
  let elsewhere: string;
  const berth = (args: string[], cwd = dir) => runBerth(cwd, ["--host", `unix://${engine.daemon.socket}`, ...args]);
  const ok = (args: string[], cwd = dir) => berthOk(cwd, engine.daemon.socket, args);
  const write = (yaml: string) => writeFileSync(join(dir, "compose.yaml"), yaml);
  /** Container name → id, of project demo's containers, running or not. */
  const ids = async () => {
    const list = await engine.docker.listContainers({ all: true, filters: { label: ["com.docker.compose.project=demo"] } });
    return Object.fromEntries(list.map((c) => [c.Names[0]!.slice(1), c.Id]));
  };
  const projectLabel = { label: ["com.docker.compose.project=demo"] };

  before(async () => {
    engine = await startEngine();
    dir = mkdtempSync(join(tmpdir(), "berth-up-"));
    elsewhere = mkdtempSync(join(tmpdir(), "berth-up-nofile-"));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(elsewhere, { recursive: true, force: true });
    await stopEngine(engine);
  });

  it("up -d creates the network, the volume and both containers, labelled as compose labels them; ps shows them running", async () => {
    write(stack("one"));
    const dry = ok(["up", "--dry-run"]);
    assert.match(dry.stdout, /^#1 create network demo_back\n#2 create volume demo_data\n/);
    assert.deepEqual(await ids(), {}, "a dry run changes nothing");

    const up = ok(["up", "-d"]);
    assert.match(up.stderr, /Container demo-web-1 {2}Started/);
    const ps = ok(["ps", "--format", "json"]).stdout.trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(ps.map((c) => [c.Name, c.Service, c.State]), [["demo-store-1", "store", "running"], ["demo-web-1", "web", "running"]]);
    assert.equal(ok(["ps", "--services"]).stdout, "store\nweb\n");

    const web = await engine.docker.getContainer("demo-web-1").inspect();
    assert.equal(web.Config.Labels["com.docker.compose.service"], "web");
    assert.equal(web.Config.Labels["com.docker.compose.container-number"], "1");
    assert.equal(web.Config.Labels["com.docker.compose.depends_on"], "store:service_healthy:false");
    assert.equal(web.Config.Labels["com.docker.compose.config-hash"], ok(["config", "--hash", "web"]).stdout.split(" ")[1]!.trim());
    assert.deepEqual(Object.keys(web.NetworkSettings.Networks), ["demo_back"]);
    const network = await engine.docker.getNetwork("demo_back").inspect();
    assert.deepEqual([network.Labels?.["com.docker.compose.project"], network.Labels?.["com.docker.compose.network"]], ["demo", "back"]);
    const volume = await engine.docker.getVolume("demo_data").inspect();
    assert.equal(volume.Labels["com.docker.compose.volume"], "data");
    assert.equal(readFileSync(join(volume.Mountpoint, "file"), "utf8"), "stored\n", "the store wrote into the named volume");
  });

  it("a second up changes nothing and says so", async () => {
    const before = await ids();
    const again = ok(["up", "-d"]);
    assert.match(again.stderr, /project demo is up to date: nothing to do/);
    assert.deepEqual(await ids(), before);
  });

  it("a changed environment variable recreates only that service", async () => {
    const before = await ids();
    write(stack("two"));
    ok(["up", "-d"]);
    const after = await ids();
    assert.equal(after["demo-store-1"], before["demo-store-1"], "store is left alone");
    assert.notEqual(after["demo-web-1"], before["demo-web-1"], "web is recreated");
    assert.deepEqual(Object.keys(after).sort(), ["demo-store-1", "demo-web-1"], "the replacement has the old name; no temporary name is left");
    const web = await engine.docker.getContainer("demo-web-1").inspect();
    assert.ok(web.Config.Env.includes("MODE=two"));
    assert.equal(web.State.Running, true);
  });

  it("--scale adds replicas, and the next up without it scales back", async () => {
    ok(["up", "-d", "--scale", "web=3"]);
    assert.deepEqual(Object.keys(await ids()).sort(), ["demo-store-1", "demo-web-1", "demo-web-2", "demo-web-3"]);
    ok(["up", "-d"]);
    assert.deepEqual(Object.keys(await ids()).sort(), ["demo-store-1", "demo-web-1"]);
  });

  it("orphans are warned about, and removed with --remove-orphans", async () => {
    write(stack("two", "extra"));
    ok(["up", "-d"]);
    write(stack("two"));
    const warned = ok(["up", "-d"]);
    assert.match(warned.stderr, /WARN Found orphan containers \(demo-extra-1\) for this project/);
    assert.ok("demo-extra-1" in (await ids()));
    ok(["up", "-d", "--remove-orphans"]);
    assert.equal("demo-extra-1" in (await ids()), false);
  });

  it("ps and down work from labels alone with -p and no compose file; the volume outlives down without -v", async () => {
    const ps = ok(["-p", "demo", "ps"], elsewhere);
    assert.match(ps.stdout, /^NAME\s+IMAGE\s+COMMAND\s+SERVICE\s+CREATED\s+STATUS\s+PORTS\n/);
    assert.match(ps.stdout, /^demo-store-1\s+berth\/host\s/m);
    ok(["-p", "demo", "down"], elsewhere);
    assert.deepEqual(await ids(), {});
    assert.deepEqual(await engine.docker.listNetworks({ filters: projectLabel }), []);
    const [volume] = (await engine.docker.listVolumes({ filters: projectLabel })).Volumes;
    assert.equal(volume?.Name, "demo_data");

    ok(["up", "-d", "--wait"]);
    assert.equal(readFileSync(join(volume.Mountpoint, "file"), "utf8"), "stored\nstored\n", "the data survived down and up");
  });

  it("down -v removes containers, networks and volumes: nothing of the project is left", async () => {
    const down = ok(["down", "-v"]);
    assert.match(down.stderr, /Volume demo_data {2}Removed/);
    assert.deepEqual(await ids(), {});
    assert.deepEqual(await engine.docker.listNetworks({ filters: projectLabel }), []);
    assert.deepEqual((await engine.docker.listVolumes({ filters: projectLabel })).Volumes, []);
    assert.equal(ok(["-p", "demo", "ps", "-a", "-q"], elsewhere).stdout, "");
    assert.match(ok(["-p", "demo", "down"], elsewhere).stderr, /^WARN No resource found to remove for project "demo"\.\n$/, "a second down is harmless");
  });

  it("--wait on a service that never turns healthy gives up after --wait-timeout, with compose's message", async () => {
    write(JSON.stringify({
      name: "demo",
      services: { slow: { image: "berth/host", network_mode: "none", command: serve("true"), healthcheck: { test: ["CMD", "false"], interval: "1s", retries: 100 } } },
    }));
    const up = berth(["up", "--wait", "--wait-timeout", "1"]);
    assert.equal(up.status, 1, up.stderr);
    assert.match(up.stderr, /application not healthy after 1s\n$/);
    ok(["down"]);
    assert.deepEqual(await ids(), {});
  });

  it("an image the engine lacks is pulled first; a pull that fails fails up with the engine's reason, creating nothing", async () => {
    // port 9 on the daemon's own loopback: nothing listens, so the pull fails without leaving the test's namespace
    write(JSON.stringify({ name: "demo", services: { app: { image: "127.0.0.1:9/nosuch:1", network_mode: "none" } } }));
    assert.equal(ok(["up", "--dry-run"]).stdout, "#1 pull image 127.0.0.1:9/nosuch:1\n#2 create container demo-app-1 (after #1)\n#3 start container demo-app-1 (after #2)\n");
    const up = berth(["up", "-d"]);
    assert.equal(up.status, 1, up.stderr);
    assert.match(up.stderr, /Image 127\.0\.0\.1:9\/nosuch:1 {2}Pulling\n(.|\n)*Error response from daemon: .*127\.0\.0\.1:9.*\n$/);
    assert.deepEqual(await ids(), {});
  });

  it("a dependency that exits fails up at once, naming the container, its exit status and its last log lines", async () => {
    write(JSON.stringify({
      name: "demo",
      services: {
        migrate: { image: "berth/host", network_mode: "none", command: ["sh", "-c", "echo migrating; echo boom >&2; exit 3"] },
        api: { image: "berth/host", network_mode: "none", command: serve("true"), depends_on: { migrate: { condition: "service_completed_successfully" } } },
      },
    }));
    const up = berth(["up", "-d"]);
    assert.equal(up.status, 1, up.stderr);
    assert.match(up.stderr, /dependency failed to start: container demo-migrate-1 exited \(3\)\nlast log lines of demo-migrate-1:\n {2}migrating\n {2}boom\n/);
    const api = await engine.docker.getContainer("demo-api-1").inspect();
    assert.equal(api.State.Status, "created", "api was never started");
    ok(["down"]);
    assert.deepEqual(await ids(), {});
  });

  /** Services s0 ← s1 ← ... chained by depends_on (service_started); `broken` gets a command that cannot start. */
  const chain = (count: number, broken?: number) => JSON.stringify({
    name: "demo",
    services: Object.fromEntries(Array.from({ length: count }, (_, i) => [`s${i}`, {
      image: "berth/host", networks: ["back"], command: i === broken ? ["no-such-command"] : serve("true"),
      ...(i > 0 && { depends_on: [`s${i - 1}`] }),
    }])),
    networks: { back: {} },
  });

  it("starts a service_started chain in order: each process after its dependency's (berthd prepares them at once)", async () => {
    write(chain(6));
    ok(["up", "-d"]);
    const started = await Promise.all(Array.from({ length: 6 }, async (_, i) => (await engine.docker.getContainer(`demo-s${i}-1`).inspect()).State));
    for (const [i, state] of started.entries()) {
      assert.equal(state.Status, "running", `s${i}`);
      if (i > 0) assert.ok(Date.parse(state.StartedAt) >= Date.parse(started[i - 1]!.StartedAt), `s${i} started at ${state.StartedAt}, before s${i - 1} at ${started[i - 1]!.StartedAt}`);
    }
    ok(["down"]);
    assert.deepEqual(await ids(), {});
  });

  it("a start that fails in a service_started chain fails up, naming it, and nothing after it runs", async () => {
    write(chain(5, 2));
    const up = berth(["up", "-d"]);
    assert.equal(up.status, 1, up.stderr);
    const broken = await engine.docker.getContainer("demo-s2-1").inspect();
    assert.match(up.stderr, new RegExp(`failed to start container ${broken.Id}: exec: "no-such-command": executable file not found`));
    const status = async (i: number) => (await engine.docker.getContainer(`demo-s${i}-1`).inspect()).State.Status;
    assert.deepEqual(await Promise.all([0, 1, 2, 3, 4].map(status)), ["running", "running", "created", "created", "created"]);
    assert.deepEqual(monitorsUnder(engine.root).length, 2, "only s0's and s1's processes are left: none set up for s3 or s4");
    ok(["down"]);
    assert.deepEqual(await ids(), {});
  });
});

describe("berth up in the foreground (e2e, root)", function () {
  this.timeout(120_000);
  let engine: Engine;
  let dir: string;
  const host = () => ["--host", `unix://${engine.daemon.socket}`];

  before(async () => {
    engine = await startEngine();
    dir = mkdtempSync(join(tmpdir(), "berth-up-fg-"));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await stopEngine(engine);
  });

  it("prints each container's output with its prefix until all have exited", () => {
    writeFileSync(join(dir, "compose.yaml"), JSON.stringify({
      name: "fg",
      services: {
        hello: { image: "berth/host", network_mode: "none", command: ["sh", "-c", "echo hi there; echo to-err >&2"] },
        count: { image: "berth/host", network_mode: "none", command: ["sh", "-c", "echo 1; echo 2"], deploy: { replicas: 2 } },
      },
    }));
    const up = runBerth(dir, [...host(), "up"]);
    assert.equal(up.status, 0, up.stderr);
    const lines = up.stdout.split("\n");
    assert.equal(lines[0], "Attaching to count-1, count-2, hello-1");
    for (const expected of ["hello-1  | hi there", "hello-1  | to-err", "count-2  | 1", "count-2  | 2", "hello-1 exited with code 0", "count-1 exited with code 0"]) {
      assert.ok(lines.includes(expected), `missing "${expected}" in:\n${up.stdout}`);
    }
    assert.ok(lines.indexOf("count-1  | 1") < lines.indexOf("count-1  | 2"), "lines of a container keep their order");
    assert.equal(runBerth(dir, [...host(), "down"]).status, 0);
  });

  it("Ctrl-C stops the containers gracefully and exits with 130", async () => {
    writeFileSync(join(dir, "compose.yaml"), JSON.stringify({
      name: "fg",
      services: { server: { image: "berth/host", network_mode: "none", command: serve("echo serving") } },
    }));
    const child = spawn(process.execPath, ["--", join(root, "bin/berth.js"), ...host(), "up"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stderr.on("data", (chunk: Buffer) => (err += chunk));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    await new Promise<void>((resolve) => child.stdout.on("data", (chunk: Buffer) => (out += chunk) && out.includes("server-1  | serving") && resolve()));
    child.kill("SIGINT");
    assert.equal(await exited, 130, err);
    assert.match(err, /Gracefully stopping\.\.\. \(press Ctrl\+C again to force\)/);
    assert.match(out, /server-1 exited with code 0\n/);
    const [server] = await engine.docker.listContainers({ all: true, filters: { label: ["com.docker.compose.project=fg"] } });
    assert.equal(server?.State, "exited");
    assert.equal(runBerth(dir, [...host(), "down"]).status, 0);
  });
});
