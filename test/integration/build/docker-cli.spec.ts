// The real docker CLI's classic builder (`DOCKER_BUILDKIT=0 docker build`) against an isolated berthd.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import { BUSYBOX, useEngine, type Engine } from "../containers/helpers.js";

describe("build: DOCKER_BUILDKIT=0 docker build against berthd (integration, root)", function () {
  this.timeout(120_000);
  let engine: Engine;
  let docker: Docker;
  let config: string;
  let context: string;
  useEngine((e) => {
    engine = e;
    docker = e.docker;
  });

  before(() => {
    config = mkdtempSync(join(tmpdir(), "berth-docker-config-"));
    context = mkdtempSync(join(tmpdir(), "berth-build-cli-"));
  });
  after(() => {
    rmSync(config, { recursive: true, force: true });
    rmSync(context, { recursive: true, force: true });
  });

  const dockerBuild = (...args: string[]) =>
    spawnSync("docker", ["build", ...args], {
      encoding: "utf8",
      timeout: 60_000,
      // A private config dir: no contexts, credential helpers or plugins (buildx) of the machine's user get in.
      env: { PATH: process.env.PATH!, HOME: config, DOCKER_CONFIG: config, DOCKER_HOST: `unix://${engine.daemon.socket}`, DOCKER_BUILDKIT: "0" },
    });

  it("builds, tags and prints the classic builder's steps; the image runs", async () => {
    writeFileSync(join(context, "Dockerfile"), `FROM ${BUSYBOX}\nCOPY hello.txt /\nRUN echo step-output\nCMD ["cat", "/hello.txt"]\n`);
    writeFileSync(join(context, "hello.txt"), "hello from the CLI\n");
    const r = dockerBuild("-t", "cli:built", "--build-arg", "UNUSED=1", context);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /^Step 1\/4 : FROM busybox:latest$/m);
    assert.match(r.stdout, /^step-output$/m);
    assert.match(r.stdout, /^\[Warning\] One or more build-args \[UNUSED\] were not consumed$/m);
    const built = /^Successfully built ([0-9a-f]{12})$/m.exec(r.stdout);
    assert.ok(built, r.stdout);
    assert.match(r.stdout, /^Successfully tagged cli:built$/m);
    const inspected = await docker.getImage("cli:built").inspect();
    assert.equal(inspected.Id.slice(7, 19), built[1]);

    const again = dockerBuild("-q", "-t", "cli:built", context);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(again.stdout.trim(), inspected.Id, "quiet prints the id; the cached rebuild gives the same image");

    const history = spawnSync("docker", ["history", "--no-trunc", "--format", "{{.ID}}\t{{.CreatedBy}}", "cli:built"], {
      encoding: "utf8", env: { PATH: process.env.PATH!, HOME: config, DOCKER_CONFIG: config, DOCKER_HOST: `unix://${engine.daemon.socket}` },
    });
    assert.equal(history.status, 0, history.stderr);
    const lines = history.stdout.split("\n");
    assert.deepEqual(lines.slice(0, 2), [
      `${inspected.Id}\t/bin/sh -c #(nop)  CMD ["cat", "/hello.txt"]`,
      `${inspected.Parent}\t/bin/sh -c echo step-output`,
    ], "docker history lists the steps newest first, each with the image it made");
    assert.match(lines[2]!, /^sha256:[0-9a-f]{64}\t\/bin\/sh -c #\(nop\)  COPY hello\.txt \/$/);

    const c = await docker.createContainer({ Image: "cli:built" });
    await c.start();
    assert.equal((await c.wait()).StatusCode, 0);
    assert.match(String(await c.logs({ stdout: true })), /hello from the CLI/);
    await c.remove();
  });

  it("shows a failed build's error and exits non-zero", () => {
    writeFileSync(join(context, "Dockerfile"), `FROM ${BUSYBOX}\nRUNN true\n`);
    const r = dockerBuild(context);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /Dockerfile:2: unknown instruction: RUNN/);
  });
});
