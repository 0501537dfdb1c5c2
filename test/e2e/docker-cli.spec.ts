// The real docker CLI (28.2, client only) against an isolated berthd: what it sees of the engine.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeRoot, startBerthd, tempRoot, type Berthd } from "../integration/engine/berthd.js";

describe("docker CLI against berthd (e2e)", function () {
  this.timeout(30_000);
  let root: string;
  let config: string;
  let daemon: Berthd;

  const docker = (...args: string[]) =>
    spawnSync("docker", args, {
      encoding: "utf8",
      timeout: 10_000,
      // A private config dir: no contexts, credential helpers or plugins of the machine's user get in.
      env: { PATH: process.env.PATH!, HOME: config, DOCKER_CONFIG: config, DOCKER_HOST: `unix://${daemon.socket}` },
    });

  before(async function () {
    if (spawnSync("docker", ["--version"]).error) this.skip();
    root = tempRoot();
    config = mkdtempSync(join(tmpdir(), "berth-docker-config-"));
    daemon = await startBerthd(root);
  });

  after(async () => {
    if (daemon) {
      daemon.child.kill("SIGTERM");
      assert.equal(await daemon.exited, 0);
      removeRoot(root);
      rmSync(config, { recursive: true, force: true });
      assert.equal(existsSync(root) || existsSync(config), false);
    }
  });

  it("docker version shows berth's engine at API 1.50", () => {
    const r = docker("version");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Server: berth$/m);
    assert.match(r.stdout, /^  Version:\s+0\.1\.0$/m);
    assert.match(r.stdout, /^  API version:\s+1\.50 \(minimum version 1\.44\)$/m);
    const server = docker("version", "--format", "{{.Server.Version}} {{.Server.APIVersion}}");
    assert.equal(server.stdout.trim(), "0.1.0 1.50");
  });

  it("docker info describes the engine", () => {
    const r = docker("info");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^ Server Version: 0\.1\.0$/m);
    assert.match(r.stdout, /^ Storage Driver: overlay2$/m);
    assert.match(r.stdout, /^ Cgroup Driver: cgroupfs$/m);
    assert.match(r.stdout, /^ Default Runtime: berth$/m);
    assert.match(r.stdout, new RegExp(`^ Docker Root Dir: ${root}$`, "m"));
    assert.equal(docker("info", "--format", "{{.OSType}}/{{.Containers}}").stdout.trim(), "linux/0");
  });

  it("docker swarm init fails at once with a clear message, since berthd does not implement it", () => {
    const r = docker("swarm", "init");
    assert.equal(r.error, undefined, "docker swarm init hung");
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim(), "Error response from daemon: berthd does not implement POST /swarm/init yet");
  });

  it("docker diff of an unknown container says there is none", () => {
    const r = docker("diff", "c1");
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim(), "Error response from daemon: No such container: c1");
  });

  it("docker events with a past --until ends by itself", () => {
    const r = docker("events", "--since", "2000-01-01T00:00:00", "--until", "1s");
    assert.equal(r.error, undefined, "docker events hung");
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "");
  });

  it("docker volume create / ls / inspect / rm work against berthd's volume store", () => {
    const created = docker("volume", "create", "--label", "purpose=e2e", "e2e-data");
    assert.equal(created.status, 0, created.stderr);
    assert.equal(created.stdout.trim(), "e2e-data");
    assert.equal(docker("volume", "ls", "-q", "--filter", "label=purpose=e2e").stdout.trim(), "e2e-data");
    const mountpoint = docker("volume", "inspect", "--format", "{{.Mountpoint}}", "e2e-data").stdout.trim();
    assert.ok(mountpoint.startsWith(`${root}/`) && existsSync(mountpoint), mountpoint);
    assert.equal(docker("volume", "rm", "e2e-data").status, 0);
    assert.equal(docker("volume", "ls", "-q").stdout.trim(), "");
    assert.equal(existsSync(mountpoint), false);
  });
});
