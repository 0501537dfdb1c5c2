// berth's start extension (POST /containers/{id}/start?berth-after=CONTAINER@MS): the process is set up at once and
// execs only once its dependency has started, as berth's orchestrator uses it for service_started chains.
import assert from "node:assert/strict";
import type Docker from "dockerode";
import { BUSYBOX, monitorsUnder, useEngine, type Engine } from "./helpers.js";

describe("containers: start after another (berth-after, integration, root)", function () {
  this.timeout(60_000);
  let engine: Engine;
  let docker: Docker;
  useEngine((started) => {
    engine = started;
    docker = started.docker;
  });

  const sleeper = (name: string, cmd = ["sleep", "60"]) => docker.createContainer({ Image: BUSYBOX, name, Cmd: cmd, StopSignal: "SIGKILL" });
  const startAfter = (c: Docker.Container, after: string, options: Record<string, unknown> = {}) => c.start({ "berth-after": after, ...options } as Docker.ContainerStartOptions);
  const settled = (promise: Promise<unknown>) => {
    const state = { done: false };
    promise.then(() => (state.done = true), () => (state.done = true));
    return state;
  };
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  afterEach(async () => {
    for (const c of await docker.listContainers({ all: true })) await docker.getContainer(c.Id).remove({ force: true });
    assert.deepEqual(monitorsUnder(engine.root), []);
  });

  it("sets the process up at once and lets it exec only once the dependency has started", async () => {
    const first = await sleeper("first");
    const second = await sleeper("second");
    const starting = startAfter(second, `first@${Date.now()}`);
    const waiting = settled(starting);
    await pause(300);
    assert.equal(waiting.done, false, "the start waits for its dependency");
    assert.equal((await second.inspect()).State.Status, "created");
    assert.equal(monitorsUnder(engine.root).length, 1, "its process is set up meanwhile");
    await first.start();
    await starting;
    const [a, b] = await Promise.all([first.inspect(), second.inspect()]);
    assert.equal(b.State.Status, "running");
    assert.ok(Date.parse(b.State.StartedAt) >= Date.parse(a.State.StartedAt), `${b.State.StartedAt} before ${a.State.StartedAt}`);
  });

  it("goes at once after a dependency that runs, or that started since and has already ended", async () => {
    const running = await sleeper("running");
    await running.start();
    const since = Date.now();
    const job = await sleeper("job", ["true"]);
    const ended = job.wait({ condition: "next-exit" });
    await job.start();
    await ended;
    const after = await sleeper("after");
    await startAfter(after, `running@${Date.now()},job@${since}`);
    assert.equal((await after.inspect()).State.Status, "running");
  });

  it("fails when its dependency's start fails, and leaves nothing of its own", async () => {
    const broken = await sleeper("broken", ["no-such-command"]);
    const dependent = await sleeper("dependent");
    const starting = startAfter(dependent, `broken@${Date.now()}`);
    await pause(100);
    await assert.rejects(broken.start(), { statusCode: 400 });
    await assert.rejects(starting, (err: { statusCode: number; message: string }) =>
      err.statusCode === 400 && /broken failed to start: exec: "no-such-command": executable file not found/.test(err.message));
    assert.equal((await dependent.inspect()).State.Status, "created");
    assert.deepEqual(monitorsUnder(engine.root), []);
  });

  it("is cancelled when its client goes away while it waits: the process set up for it goes", async () => {
    await sleeper("never");
    const dependent = await sleeper("abandoned");
    const client = new AbortController();
    const starting = startAfter(dependent, `never@${Date.now()}`, { abortSignal: client.signal });
    await pause(300);
    assert.equal(monitorsUnder(engine.root).length, 1);
    client.abort();
    await assert.rejects(starting);
    for (let i = 0; i < 100 && monitorsUnder(engine.root).length > 0; i++) await pause(20);
    assert.deepEqual(monitorsUnder(engine.root), []);
    assert.equal((await dependent.inspect()).State.Status, "created");
    // And it starts normally afterwards.
    await dependent.start();
    assert.equal((await dependent.inspect()).State.Status, "running");
  });

  it("a stop, kill or removal of a container whose start waits cancels that start instead of waiting behind it", async () => {
    await sleeper("never");
    for (const action of ["stop", "kill", "remove"] as const) {
      const dependent = await sleeper(`waiting-${action}`);
      const starting = startAfter(dependent, `never@${Date.now()}`);
      await pause(200);
      const done = settled(action === "stop" ? dependent.stop() : action === "kill" ? dependent.kill() : dependent.remove());
      await assert.rejects(starting, /the start was cancelled while it waited for never/);
      for (let i = 0; i < 100 && !done.done; i++) await pause(20);
      assert.ok(done.done, `${action} answered`);
    }
  });

  it("refuses a malformed order, and an unknown dependency, before doing anything", async () => {
    const c = await sleeper("lonely");
    await assert.rejects(startAfter(c, "first"), { statusCode: 400, json: { message: 'invalid berth-after "first": give CONTAINER@MILLISECONDS' } });
    await assert.rejects(startAfter(c, "ghost@1"), { statusCode: 404 });
    assert.equal((await c.inspect()).State.Status, "created");
  });
});
