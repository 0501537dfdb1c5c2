// `berth commit SERVICE [REPOSITORY[:TAG]]` on a compose project against an isolated berthd: the service's
// container's changes become an image with the -c changes, -m and -a; --index picks the replica; errors are clear.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { startEngine, stopEngine, type Engine } from "../integration/containers/helpers.js";
import { berthOk, runBerth } from "./run-berth.js";

const STACK = JSON.stringify({
  name: "snap",
  services: {
    web: {
      image: "berth/host",
      command: ["sh", "-c", "echo $$HOSTNAME > /state; touch /ready; trap 'exit 0' TERM; sleep 1000 & wait"],
      network_mode: "none",
      scale: 2,
    },
  },
});

describe("berth commit (e2e, root)", function () {
  this.timeout(120_000);
  let engine: Engine;
  let dir: string;
  const ok = (args: string[]) => berthOk(dir, engine.daemon.socket, args);
  /** A client without keep-alive: spawnSync blocks the event loop, so a kept-alive socket could be stale. */
  const docker = () => new Docker({ socketPath: engine.daemon.socket, agent: new Agent({ keepAlive: false }) } as Docker.DockerOptions);

  before(async () => {
    engine = await startEngine();
    dir = mkdtempSync(join(tmpdir(), "berth-commit-"));
    writeFileSync(join(dir, "compose.yaml"), STACK);
    ok(["up", "-d", "--wait"]);
  });
  after(async () => {
    try {
      ok(["down"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await stopEngine(engine);
    }
  });

  /** Runs `cmd` in a throwaway container of `image` and returns its output. */
  async function output(image: string, cmd?: string[]): Promise<string> {
    const c = await docker().createContainer({ Image: image, ...(cmd && { Cmd: cmd }), HostConfig: { NetworkMode: "none" } });
    const exit = c.wait({ condition: "next-exit" });
    await c.start();
    assert.equal((await exit).StatusCode, 0);
    const logs = (await c.logs({ stdout: true, stderr: true })) as Buffer;
    await c.remove();
    return logs.subarray(8).toString(); // one short line: one frame
  }

  /** The replica's hostname, once it has written its files. */
  async function readyHostname(name: string): Promise<string> {
    const c = docker().getContainer(name);
    while (!((await c.changes()) as { Path: string }[]).some((change) => change.Path === "/ready")) await new Promise((r) => setTimeout(r, 20));
    return (await c.inspect()).Config.Hostname;
  }

  /** The container's pause, unpause and commit events between `since` and now (unix seconds). */
  async function actionsSince(since: number, name: string): Promise<string[]> {
    const until = Math.ceil(Date.now() / 1000) + 1;
    const stream = await docker().getEvents({ since, until, filters: { container: [name] } } as Docker.GetEventsOptions);
    let text = "";
    for await (const chunk of stream as AsyncIterable<Buffer>) text += chunk;
    const actions = text.split("\n").filter(Boolean).map((line) => (JSON.parse(line) as { Action: string }).Action);
    return actions.filter((action) => ["pause", "unpause", "commit"].includes(action));
  }

  it("commits the service's first container as REPOSITORY:TAG with changes, message and author", async () => {
    const hostname = await readyHostname("snap-web-1");
    const since = Math.floor(Date.now() / 1000);
    const r = ok(["--progress", "plain", "commit", "-m", "snapshot", "-a", "tester", "-c", "ENV SNAP=1", "-c", 'CMD ["cat", "/state"]', "-p", "web", "snap-web:1"]);
    const image = await docker().getImage("snap-web:1").inspect();
    assert.match(r.stderr, new RegExp(`Container snap-web-1 +Committed as ${image.Id}`));
    assert.equal(image.Comment, "snapshot");
    assert.equal(image.Author, "tester");
    assert.deepEqual(image.Config.Cmd, ["cat", "/state"]);
    assert.ok(image.Config.Env?.includes("SNAP=1"));
    assert.equal(image.Config.Labels!["com.docker.compose.service"], "web", "the container's labels come along, as with docker compose commit");
    assert.equal((await docker().getContainer("snap-web-1").inspect()).State.Status, "running");
    assert.deepEqual(await actionsSince(since, "snap-web-1"), ["pause", "unpause", "commit"], "paused: -p, the default, takes no value");
    assert.equal(await output("snap-web:1"), `${hostname}\n`, "the file the running container wrote, by the changed CMD");
    await docker().getImage("snap-web:1").remove();
  });

  it("--index picks the replica, --pause=false does not pause it, and without a name the image is untagged", async () => {
    const hostname = await readyHostname("snap-web-2");
    const since = Math.floor(Date.now() / 1000);
    const r = ok(["--progress", "plain", "commit", "--index", "2", "--pause=false", "web"]);
    const id = /Committed as (sha256:[a-f0-9]{64})/.exec(r.stderr)?.[1];
    assert.ok(id, r.stderr);
    const image = await docker().getImage(id).inspect();
    assert.deepEqual(image.RepoTags, []);
    assert.equal(image.Config.Labels!["com.docker.compose.container-number"], "2");
    assert.equal(await output(id, ["cat", "/state"]), `${hostname}\n`);
    assert.deepEqual(await actionsSince(since, "snap-web-2"), ["commit"], "--pause=false: not paused");
    await docker().getImage(id).remove();
  });

  it("refuses an unknown service, a missing replica and a bad change with clear messages", () => {
    const fails = (args: string[], message: string) => {
      const r = runBerth(dir, ["--host", `unix://${engine.daemon.socket}`, ...args]);
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stderr.trim().split("\n").at(-1), message);
    };
    fails(["commit", "nope"], 'no such service "nope"');
    fails(["commit", "--index", "3", "web"], 'service "web" has no container with index 3');
    fails(["--progress", "quiet", "commit", "-c", "COPY a b", "web"], "Error response from daemon: copy is not a valid change command");
  });
});
