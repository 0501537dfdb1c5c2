// Restart policies through dockerode: on-failure with a maximum, always, unless-stopped, the growing back-off,
// stops and kills through the API that end them, a crash that does not, and berthd's own restart after kill -9.
// Times are only ever bounded from below (a back-off is at least as long as dockerd's), never from above.
import assert from "node:assert/strict";
import Docker from "dockerode";
import { startBerthd } from "../engine/berthd.js";
import { BUSYBOX, useEngine, type Engine } from "./helpers.js";
import { EventWatch } from "./watch-events.js";

describe("containers: restart policies (integration, root)", function () {
  this.timeout(60_000);
  let engine: Engine;
  let docker: Docker;
  useEngine((started) => {
    engine = started;
    docker = started.docker;
  });

  async function run(Cmd: string[], RestartPolicy: Docker.HostRestartPolicy, name?: string) {
    const container = await docker.createContainer({ Image: BUSYBOX, Cmd, HostConfig: { RestartPolicy }, ...(name && { name }) });
    const events = await EventWatch.start(docker, { container: [container.id] });
    await container.start();
    return { container, events };
  }

  it("on-failure:2 restarts a failing container twice, then leaves it exited with RestartCount 2", async () => {
    const { container, events } = await run(["sh", "-c", "exit 3"], { Name: "on-failure", MaximumRetryCount: 2 });
    await events.nth("die", 3);
    const state = await container.inspect();
    assert.equal(state.State.Status, "exited");
    assert.equal(state.State.Restarting, false);
    assert.equal(state.State.ExitCode, 3);
    assert.equal(state.RestartCount, 2);
    assert.deepEqual(events.actions.filter((a) => a === "start" || a === "die"), ["start", "die", "start", "die", "start", "die"]);
    events.close();
    await container.remove();
  });

  it("on-failure leaves a container that exits 0 alone", async () => {
    const { container, events } = await run(["true"], { Name: "on-failure" });
    await events.nth("die");
    const state = await container.inspect();
    assert.deepEqual([state.State.Status, state.RestartCount], ["exited", 0]);
    events.close();
    await container.remove();
  });

  it("always restarts after exit 0, with a back-off that doubles from 100 ms; a stop in the back-off ends it", async () => {
    const { container, events } = await run(["true"], { Name: "always" });
    const dies = await events.nth("die", 4);
    const starts = await events.nth("start", 4);
    // The n-th restart comes 100 ms · 2^(n-1) after the exit before it; the die event goes out a record write after
    // the back-off began, hence the margin.
    for (let n = 1; n <= 3; n++) {
      const gapMs = (starts[n]!.timeNano - dies[n - 1]!.timeNano) / 1e6;
      assert.ok(gapMs >= 100 * 2 ** (n - 1) * 0.8, `restart ${n} came ${gapMs} ms after the exit`);
    }
    await events.nth("die", 5);
    const restarting = await container.inspect();
    assert.equal(restarting.State.Status, "restarting", "waiting 1.6 s for the fifth restart");
    assert.equal(restarting.State.Restarting, true);
    assert.ok(restarting.RestartCount >= 5);
    await container.stop();
    const stopped = await container.inspect();
    assert.deepEqual([stopped.State.Status, stopped.State.Restarting], ["exited", false]);
    // The back-off would have ended within 1.6 s: the container must still be exited after that.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.equal((await container.inspect()).State.Status, "exited");
    assert.equal(events.actions.filter((a) => a === "start").length, 5);
    assert.equal(events.actions.at(-1), "stop");
    events.close();
    await container.remove();
  });

  it("does not restart after docker stop or docker kill (as dockerd), but does after a crash, and a start resets RestartCount", async () => {
    const { container, events } = await run(["sleep", "300"], { Name: "always" });
    await container.stop({ t: 0 });
    let state = await container.inspect();
    assert.deepEqual([state.State.Status, state.RestartCount], ["exited", 0], "a stop is not restarted");

    await container.start();
    await container.kill();
    state = await container.inspect();
    assert.deepEqual([state.State.Status, state.RestartCount], ["exited", 0], "neither is a kill");

    await container.start();
    process.kill((await container.inspect()).State.Pid, "SIGKILL"); // a crash, not through the API
    await events.nth("start", 4);
    state = await container.inspect();
    assert.deepEqual([state.State.Status, state.RestartCount], ["running", 1]);
    await container.restart({ t: 0 });
    assert.equal((await container.inspect()).RestartCount, 0, "a restart through the API starts the count over, as dockerd");
    events.close();
    await container.remove({ force: true });
  });

  it("unless-stopped restarts a failing container; rm without force is refused during the back-off, rm -f ends it", async () => {
    const { container, events } = await run(["sh", "-c", "exit 1"], { Name: "unless-stopped" });
    await events.nth("die", 5);
    assert.equal((await container.inspect()).State.Status, "restarting");
    const listed = await docker.listContainers({ filters: { id: [container.id] } });
    assert.match(listed[0]?.Status ?? "", /^Restarting \(1\) /, "docker ps lists a restarting container, as dockerd");
    await assert.rejects(container.remove(), (err: { statusCode: number; message: string }) =>
      err.statusCode === 409 && /You cannot remove a restarting container/.test(err.message));
    await container.remove({ force: true });
    await events.nth("destroy");
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.equal(events.actions.filter((a) => a === "start").length, 5, "no start after the removal");
    assert.match(engine.daemon.log(), /restart by its policy failed: No such container/);
    events.close();
  });

  it("refuses policies dockerd refuses", async () => {
    const refused = async (HostConfig: Docker.HostConfig, message: RegExp) =>
      assert.rejects(docker.createContainer({ Image: BUSYBOX, Cmd: ["true"], HostConfig }),
        (err: { statusCode: number; message: string }) => err.statusCode === 400 && message.test(err.message));
    await refused({ RestartPolicy: { Name: "sometimes" } }, /invalid restart policy: unknown policy 'sometimes'/);
    await refused({ RestartPolicy: { Name: "always", MaximumRetryCount: 1 } }, /maximum retry count can only be used with 'on-failure'/);
    await refused({ AutoRemove: true, RestartPolicy: { Name: "on-failure" } }, /can't create 'AutoRemove' container with restart policy/);
  });

  it("after kill -9 of berthd, restarts what the policies ask for and leaves what the user stopped", async () => {
    const always = (await run(["sleep", "300"], { Name: "always" }, "always")).container;
    const unlessStopped = (await run(["sleep", "300"], { Name: "unless-stopped" }, "unless-stopped")).container;
    const stoppedByUser = (await run(["sleep", "300"], { Name: "unless-stopped" }, "stopped-by-user")).container;
    const never = (await run(["sleep", "300"], { Name: "no" }, "never")).container;
    await stoppedByUser.stop({ t: 0 });
    const pids = await Promise.all([always, unlessStopped, never].map(async (c) => (await c.inspect()).State.Pid));

    engine.daemon.child.kill("SIGKILL");
    await engine.daemon.exited;
    for (const pid of pids) process.kill(pid, "SIGKILL"); // they end while berthd is down
    engine.daemon = await startBerthd(engine.root);
    docker = engine.docker = new Docker({ socketPath: engine.daemon.socket });

    const status = async (name: string) => (await docker.getContainer(name).inspect()).State;
    assert.equal((await status("always")).Status, "running");
    assert.equal((await status("unless-stopped")).Status, "running");
    assert.equal((await status("stopped-by-user")).Status, "exited");
    assert.deepEqual([(await status("never")).Status, (await status("never")).ExitCode], ["exited", 137]);
    assert.ok(!pids.includes((await status("always")).Pid), "a new process");
    for (const name of ["always", "unless-stopped", "stopped-by-user", "never"]) await docker.getContainer(name).remove({ force: true });
  });
});
