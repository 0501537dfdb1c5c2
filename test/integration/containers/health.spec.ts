// Healthchecks run by berthd through exec: the first probe at once, retries, timeouts, the start period, NONE and
// the image's HEALTHCHECK, State.Health in inspect and the events dockerd emits, across pause, restart and a
// restart of berthd itself. Intervals are long where a test must show that no interval is waited for: the test
// could only finish within mocha's timeout if the probe ran at once.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import Docker from "dockerode";
import { startBerthd } from "../engine/berthd.js";
import { dockerSaveArchive, makeImage, makeTar, sha256 } from "../image/tars.js";
import { BUSYBOX, useEngine, type Engine } from "./helpers.js";
import { EventWatch } from "./watch-events.js";

const SECOND = 1_000_000_000;
const MS = 1_000_000;
const HOUR = 3600 * SECOND;

/** A small image whose config has a HEALTHCHECK, as `docker build` writes one. */
async function imageWithHealthcheck(): Promise<Buffer> {
  const layer = await makeTar([
    { name: "bin/", type: "directory" },
    { name: "bin/busybox", content: readFileSync("/bin/busybox"), mode: 0o755 },
    ...["sh", "sleep", "true"].map((applet) => ({ name: `bin/${applet}`, type: "symlink" as const, linkname: "busybox" })),
  ]);
  const base = makeImage([layer], { cmd: ["sleep", "300"] });
  const config = JSON.parse(base.config.toString());
  config.config.Healthcheck = { Test: ["CMD-SHELL", "echo from the image"], Interval: HOUR };
  const bytes = Buffer.from(JSON.stringify(config));
  return dockerSaveArchive([{ image: { ...base, config: bytes, id: sha256(bytes) }, tags: ["healthy:latest"] }]);
}

describe("containers: healthchecks (integration, root)", function () {
  this.timeout(60_000);
  let engine: Engine;
  let docker: Docker;
  useEngine((started) => {
    engine = started;
    docker = started.docker;
  });

  async function run(Healthcheck: Docker.ContainerCreateOptions["Healthcheck"], image = BUSYBOX) {
    const container = await docker.createContainer({ Image: image, Cmd: image === BUSYBOX ? ["sleep", "300"] : undefined, Healthcheck });
    const events = await EventWatch.start(docker, { container: [container.id] });
    await container.start();
    return { container, events };
  }

  it("probes as soon as the container starts: healthy after the first probe, with its exec events", async () => {
    const { container, events } = await run({ Test: ["CMD-SHELL", "echo ok"], Interval: HOUR });
    await events.nth("health_status: healthy");
    assert.deepEqual(events.actions.filter((a) => a !== "exec_die").slice(0, 4), [
      "start", "exec_create: /bin/sh -c echo ok", "exec_start: /bin/sh -c echo ok", "health_status: healthy",
    ]);
    const died = await events.nth("exec_die");
    assert.equal(died[0]!.Actor.Attributes.exitCode, "0");
    const health = (await container.inspect()).State.Health!;
    assert.equal(health.Status, "healthy");
    assert.equal(health.FailingStreak, 0);
    assert.equal(health.Log.length, 1);
    assert.deepEqual([health.Log[0]!.ExitCode, health.Log[0]!.Output], [0, "ok\n"]);
    assert.ok(Date.parse(health.Log[0]!.End as unknown as string) >= Date.parse(health.Log[0]!.Start as unknown as string));
    const listed = await docker.listContainers({ filters: { id: [container.id] } });
    assert.match(listed[0]!.Status, /^Up .* \(healthy\)$/);
    const byHealth = async (health: string) => (await docker.listContainers({ filters: { health: [health] } })).map((c) => c.Id);
    assert.deepEqual([await byHealth("healthy"), await byHealth("unhealthy")], [[container.id], []]);
    events.close();
    await container.remove({ force: true });
  });

  it("turns unhealthy after Retries failures in a row, keeps the last five results, and healthy again on success", async () => {
    const { container, events } = await run({ Test: ["CMD-SHELL", "echo failing >&2; test -f /tmp/ok"], Interval: 20 * MS, Retries: 3 });
    await events.nth("health_status: unhealthy");
    const beforeUnhealthy = events.actions.slice(0, events.actions.indexOf("health_status: unhealthy"));
    assert.equal(beforeUnhealthy.filter((a) => a === "exec_die").length, 3, "the third failure makes it unhealthy");
    assert.equal(events.actions.includes("health_status: healthy"), false);
    const unhealthy = (await container.inspect()).State.Health!;
    assert.equal(unhealthy.Status, "unhealthy");
    assert.ok(unhealthy.FailingStreak >= 3);
    assert.deepEqual(unhealthy.Log.map((r) => [r.ExitCode, r.Output]).slice(0, 3), Array(3).fill([1, "failing\n"]));

    await events.nth("exec_die", 7);
    assert.equal((await container.inspect()).State.Health!.Log.length, 5, "only the last five results are kept");
    const exec = await container.exec({ Cmd: ["touch", "/tmp/ok"] });
    await exec.start({ Detach: true });
    await events.nth("health_status: healthy");
    const healthy = (await container.inspect()).State.Health!;
    assert.equal(healthy.FailingStreak, 0);
    assert.equal(healthy.Log.at(-1)!.ExitCode, 0);
    events.close();
    await container.remove({ force: true });
  });

  it("kills a probe that outlives its Timeout and records the failure as dockerd words it", async () => {
    const { container, events } = await run({ Test: ["CMD", "sleep", "300"], Interval: HOUR, Timeout: 300 * MS, Retries: 1 });
    await events.nth("health_status: unhealthy");
    const [result] = (await container.inspect()).State.Health!.Log;
    assert.deepEqual([result!.ExitCode, result!.Output], [-1, "Health check exceeded timeout (300ms)"]);
    const died = await events.nth("exec_die");
    assert.equal(died[0]!.Actor.Attributes.exitCode, "137", "the probe was killed");
    const top = await container.top();
    assert.equal(top.Processes.length, 1, `only the container's own sleep is left: ${JSON.stringify(top.Processes)}`);
    events.close();
    await container.remove({ force: true });
  });

  it("uses StartInterval in the start period, where failures do not count, until a success ends it", async () => {
    const { container, events } = await run({
      Test: ["CMD-SHELL", "test -f /tmp/ok"], Interval: HOUR, StartPeriod: HOUR, StartInterval: 20 * MS, Retries: 1,
    });
    await events.nth("exec_die", 4);
    const starting = (await container.inspect()).State.Health!;
    assert.equal(starting.Status, "starting", "failures within the start period do not count");
    assert.equal(starting.FailingStreak, 0);
    assert.ok(starting.Log.length >= 4 && starting.Log.every((r) => r.ExitCode === 1));
    const exec = await container.exec({ Cmd: ["touch", "/tmp/ok"] });
    await exec.start({ Detach: true });
    await events.nth("health_status: healthy");
    assert.equal(events.actions.includes("health_status: unhealthy"), false);
    events.close();
    await container.remove({ force: true });
  });

  it("counts failures after the first success even within the start period", async () => {
    const { container, events } = await run({
      Test: ["CMD-SHELL", "test ! -f /tmp/failed && touch /tmp/failed"], Interval: 20 * MS, StartPeriod: HOUR, Retries: 1,
    });
    await events.nth("health_status: unhealthy");
    assert.deepEqual(events.actions.filter((a) => a.startsWith("health_status")), ["health_status: healthy", "health_status: unhealthy"]);
    events.close();
    await container.remove({ force: true });
  });

  it("inherits the image's HEALTHCHECK, and NONE turns it off", async () => {
    await docker.loadImage(Readable.from([await imageWithHealthcheck()]), { quiet: true }).then((s) => new Promise((r) => (s.resume(), s.on("end", r))));
    const inherited = await run(undefined, "healthy:latest");
    await inherited.events.nth("health_status: healthy");
    assert.equal((await inherited.container.inspect()).State.Health!.Log[0]!.Output, "from the image\n");
    inherited.events.close();
    await inherited.container.remove({ force: true });

    const none = await run({ Test: ["NONE"] }, "healthy:latest");
    const exec = await none.container.exec({ Cmd: ["true"] });
    await exec.start({ Detach: true });
    await none.events.nth("exec_die");
    const state = (await none.container.inspect()).State;
    assert.equal(state.Health, undefined, "no State.Health without a healthcheck");
    assert.equal(none.events.seen.filter((e) => e.Action.startsWith("exec_create")).length, 1, "the only exec is the test's own");
    none.events.close();
    await none.container.remove({ force: true });
    await docker.getImage("healthy:latest").remove();
  });

  it("stops probing at pause and exit, and probes again at unpause and start", async () => {
    const { container, events } = await run({ Test: ["CMD", "true"], Interval: HOUR });
    await events.nth("health_status: healthy");
    await container.pause();
    assert.equal((await container.inspect()).State.Health!.Status, "unhealthy", "as dockerd: unhealthy once probing stops");
    await container.unpause();
    await events.nth("health_status: healthy", 2);
    await container.stop({ t: 0 });
    assert.equal((await container.inspect()).State.Health!.Status, "unhealthy");
    await container.start();
    await events.nth("health_status: healthy", 3);
    const afterStop = events.actions.slice(events.actions.indexOf("die"));
    assert.deepEqual(afterStop.filter((a) => !a.startsWith("exec_die")).slice(0, 5), [
      "die", "stop", "start", "exec_create: true", "exec_start: true",
    ], "no probe between the exit and the next start");
    const health = (await container.inspect()).State.Health!;
    assert.equal(health.Log.length, 3, "the results of earlier runs stay in the log");
    events.close();
    await container.remove({ force: true });
  });

  it("refuses a healthcheck dockerd refuses", async () => {
    await assert.rejects(docker.createContainer({ Image: BUSYBOX, Healthcheck: { Test: ["CMD", "true"], Interval: 1000 } }),
      (err: { statusCode: number; message: string }) => err.statusCode === 400 && /Interval in Healthcheck cannot be less than 1ms/.test(err.message));
  });

  it("probes again the containers a restarted berthd adopts, keeping their health", async () => {
    const { container, events } = await run({ Test: ["CMD", "true"], Interval: HOUR });
    await events.nth("health_status: healthy");
    events.close();
    engine.daemon.child.kill("SIGKILL");
    await engine.daemon.exited;
    const since = Math.floor(Date.now() / 1000);
    engine.daemon = await startBerthd(engine.root);
    docker = engine.docker = new Docker({ socketPath: engine.daemon.socket });
    const after = await EventWatch.start(docker, { container: [container.id] }, since);
    await after.nth("exec_die");
    const adopted = docker.getContainer(container.id);
    let health = (await adopted.inspect()).State.Health!;
    // The probe's result is recorded right after its exec ends.
    while (health.Log.length < 2) health = (await new Promise((resolve) => setTimeout(resolve, 20)), await adopted.inspect()).State.Health!;
    assert.equal(health.Status, "healthy");
    assert.ok(Date.parse(health.Log[0]!.Start as unknown as string) < since * 1000 + 1000, "the result from before the crash is kept");
    assert.equal(health.Log[1]!.ExitCode, 0);
    assert.equal(after.actions.includes("health_status: healthy"), false, "it was healthy before and stays so: no new event");
    after.close();
    await adopted.remove({ force: true });
  });
});
