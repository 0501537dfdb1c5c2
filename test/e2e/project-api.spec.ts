// The Project API used as README's "Using berth from tests" example uses it, against an isolated berthd (the
// `host` option): up with wait, the published port, exec, logs, address, down; two instances of one file side
// by side; a project a process forgot to take down is gone when the process ends.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Project } from "berth";
import { inTestHost } from "../integration/engine/berthd.js";
import { startEngine, stopEngine, type Engine } from "../integration/containers/helpers.js";
import { root } from "./run-berth.js";

const site = {
  services: {
    web: {
      image: "berth/host",
      command: ["busybox", "httpd", "-f", "-p", "8080", "-h", "/srv"],
      init: true,
      volumes: ["./site:/srv:ro"],
      ports: ["8080"],
      healthcheck: { test: ["CMD", "busybox", "wget", "-qO-", "http://127.0.0.1:8080/"], interval: "1s" },
    },
  },
};

describe("Project API (e2e, root)", function () {
  this.timeout(120_000);
  let engine: Engine;
  let directory: string;
  let project: Project;
  const host = () => `unix://${engine.daemon.socket}`;
  const containersOf = async (name: string) => engine.docker.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${name}`] } });

  before(async () => {
    engine = await startEngine();
    directory = mkdtempSync(join(tmpdir(), "berth-project-api-"));
    mkdirSync(join(directory, "site"));
    writeFileSync(join(directory, "site/index.html"), "<h1>hello from berth</h1>\n");
    project = Project.load({ inline: site, directory, host: host() });
    await project.up({ wait: true });
  });
  after(async () => {
    await project.down({ volumes: true });
    assert.deepEqual(await containersOf(project.name), [], "down left no container");
    assert.deepEqual(await engine.docker.listNetworks({ filters: { label: [`com.docker.compose.project=${project.name}`] } }), [], "nor a network");
    rmSync(directory, { recursive: true, force: true });
    await stopEngine(engine);
  });

  it("serves the page on the published port", async () => {
    const { host, port } = await project.port("web", 8080);
    assert.equal(host, "127.0.0.1");
    // the engine's host is this test's throwaway namespace: fetch from there
    assert.match(inTestHost(engine.root, "busybox", "wget", "-qO-", `http://${host}:${port}/`), /hello/);
  });

  it("runs commands in the container", async () => {
    const { exitCode, stdout } = await project.exec("web", ["cat", "/srv/index.html"]);
    assert.equal(exitCode, 0);
    assert.match(stdout, /hello/);
  });

  it("exec gives the exit code, both streams, the environment and the user asked for", async () => {
    const result = await project.exec("web", "echo out $GREETING; id -u; echo err >&2; exit 7", { env: { GREETING: "hi" }, user: "nobody" });
    assert.deepEqual(result, { exitCode: 7, stdout: "out hi\n65534\n", stderr: "err\n" });
  });

  it("the project has a name of its own; address is the container's address on its network", async () => {
    assert.match(project.name, /^berth-project-api-[a-z0-9]+-[0-9a-f]{8}$/);
    const address = await project.address("web");
    const network = await engine.docker.getNetwork(`${project.name}_default`).inspect();
    const [container] = await containersOf(project.name);
    assert.equal(network.Containers?.[container!.Id]?.IPv4Address.split("/")[0], address);
    assert.match(inTestHost(engine.root, "busybox", "wget", "-qO-", `http://${address}:8080/`), /hello/, "reachable at that address from the host");
  });

  it("logs gives what the container wrote", async () => {
    const logger = Project.load({ inline: { services: { job: { image: "berth/host", network_mode: "none", command: ["sh", "-c", "echo one; echo two >&2"] } } }, directory, host: host() });
    await logger.up({ wait: false });
    await engine.docker.getContainer(`${logger.name}-job-1`).wait();
    assert.equal(await logger.logs("job"), "one\ntwo\n");
    await logger.down();
    assert.deepEqual(await containersOf(logger.name), []);
  });

  it("two instances of one project run side by side under different names", async () => {
    const twin = Project.load({ inline: site, directory, host: host() });
    assert.notEqual(twin.name, project.name);
    await twin.up({ wait: true });
    assert.notEqual(await twin.address("web"), await project.address("web"));
    assert.notEqual((await twin.port("web", 8080)).port, (await project.port("web", 8080)).port);
    assert.match((await twin.exec("web", ["cat", "/srv/index.html"])).stdout, /hello/);
    await twin.down({ volumes: true });
    assert.deepEqual(await containersOf(twin.name), []);
    assert.equal((await containersOf(project.name)).length, 1, "the first is untouched");
  });

  it("a project left up is taken down when the process ends, however it ends", async () => {
    for (const ending of ["", "process.exit(0);", "process.kill(process.pid, 'SIGTERM');"]) {
      const script = `
        import { Project } from "berth";
        const project = Project.load({ inline: { services: { idle: { image: "berth/host", network_mode: "none", command: ["sleep", "1000"], init: true } } }, host: ${JSON.stringify(host())} });
        await project.up({ wait: true });
        console.log(project.name);
        ${ending}`;
      // spawned, not spawnSync: berthd is this process's child and logs through it while the script runs
      const child = spawn(process.execPath, ["--input-type=module", "-e", script], { cwd: root });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
      await new Promise((done) => child.once("close", done));
      const name = stdout.trim();
      assert.match(name, /-[0-9a-f]{8}$/, `${ending || "natural end"}: ${stderr}`);
      assert.deepEqual(await containersOf(name), [], `${ending || "natural end"}: nothing left`);
    }
  });
});
