// Test helper: the real docker CLI against an isolated berthd with busybox loaded, for a describe block.
// The CLI gets its own config directory (also a scratch dir for the test's files) and never a user's.
import assert from "node:assert/strict";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { busyboxArchive, startEngine, stopEngine, type Engine } from "../integration/containers/helpers.js";

export interface DockerCli {
  engine(): Engine;
  /** The CLI's config directory, free for the test's own files. */
  dir(): string;
  /** The environment the CLI runs with, for tests that start it their own way (stdin, a pseudo-terminal). */
  env(): Record<string, string>;
  /** Runs `docker ARGS`; a hang fails the test. */
  docker(...args: string[]): SpawnSyncReturns<string>;
  /** Runs `docker ARGS`, asserts it succeeded and returns its stdout. */
  ok(...args: string[]): string;
}

/** Starts berthd and loads busybox before the block's tests; stops it and removes everything after them. */
export function useDockerCli(): DockerCli {
  let engine: Engine | undefined;
  let config = "";
  const cli: DockerCli = {
    engine: () => engine!,
    dir: () => config,
    env: () => ({ PATH: process.env.PATH!, HOME: config, DOCKER_CONFIG: config, DOCKER_HOST: `unix://${engine!.daemon.socket}` }),
    docker(...args) {
      const r = spawnSync("docker", args, { encoding: "utf8", timeout: 30_000, killSignal: "SIGKILL", env: cli.env() });
      assert.equal(r.error, undefined, `docker ${args.join(" ")} hung`);
      return r;
    },
    ok(...args) {
      const r = cli.docker(...args);
      assert.equal(r.status, 0, `docker ${args.join(" ")}: ${r.stderr}`);
      return r.stdout;
    },
  };
  before(async function () {
    if (spawnSync("docker", ["--version"]).error) this.skip();
    config = mkdtempSync(join(tmpdir(), "berth-docker-config-"));
    engine = await startEngine();
    const archive = join(config, "busybox.tar");
    writeFileSync(archive, await busyboxArchive());
    assert.equal(cli.ok("load", "-i", archive), "Loaded image: busybox:latest\n");
  });
  after(async () => {
    if (engine) await stopEngine(engine);
    if (config) rmSync(config, { recursive: true, force: true });
    assert.equal(existsSync(config), false);
  });
  return cli;
}
