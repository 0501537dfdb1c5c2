// Containers through dockerode against a real berthd: create, start, wait, logs, inspect, list, remove,
// then stop, kill, restart, pause, rename — with the events each one emits.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import { BUSYBOX, demux, monitorsUnder, useEngine, type Engine } from "./helpers.js";

describe("containers: lifecycle through dockerode (integration, root)", function () {
  this.timeout(60_000);
  let engine: Engine;
  let docker: Docker;
  useEngine((started) => {
    engine = started;
    docker = started.docker;
  });

  async function logsOf(container: Docker.Container, options: Record<string, unknown> = {}) {
    const stream = (await container.logs({ stdout: true, stderr: true, follow: true, ...options })) as unknown as NodeJS.ReadableStream;
    return demux(docker, stream);
  }

  it("creates, starts, waits for, logs, inspects, lists and removes a container", async () => {
    const container = await docker.createContainer({
      Image: BUSYBOX, name: "first", Cmd: ["sh", "-c", "echo out; echo err >&2; exit 3"], Labels: { suite: "lifecycle" },
    });
    const created = await container.inspect();
    assert.equal(created.State.Status, "created");
    assert.equal(created.Name, "/first");
    assert.equal(created.Config.Hostname, created.Id.slice(0, 12));
    assert.deepEqual(created.Config.Env, ["PATH=/bin"]);
    assert.equal(created.Path, "sh");

    const waited = container.wait({ condition: "next-exit" });
    await container.start();
    assert.deepEqual(await waited, { StatusCode: 3, Error: null });

    const exited = await container.inspect();
    assert.equal(exited.State.Status, "exited");
    assert.equal(exited.State.ExitCode, 3);
    assert.ok(Date.parse(exited.State.FinishedAt) >= Date.parse(exited.State.StartedAt));
    assert.deepEqual(await logsOf(container), { stdout: "out\n", stderr: "err\n" });
    assert.deepEqual(await logsOf(container, { stderr: false }), { stdout: "out\n", stderr: "" });

    const listed = await docker.listContainers({ all: true, filters: { label: ["suite=lifecycle"] } });
    assert.deepEqual(listed.map((c) => [c.Names, c.State, c.Image]), [[["/first"], "exited", BUSYBOX]]);
    assert.match(listed[0]!.Status, /^Exited \(3\) /);
    assert.deepEqual(await docker.listContainers({ filters: { label: ["suite=lifecycle"] } }), [], "only running ones without all");

    await container.remove();
    await assert.rejects(container.inspect(), (err: { statusCode: number }) => err.statusCode === 404);
    assert.equal(existsSync(`${engine.root}/containers/${created.Id}`), false);
  });

  it("merges the image's config: env, entrypoint and cmd rules, working dir, user and groups", async () => {
    const run = async (options: Docker.ContainerCreateOptions) => {
      const container = await docker.createContainer({ Image: BUSYBOX, ...options });
      await container.start();
      const { StatusCode } = await container.wait();
      const out = await logsOf(container);
      await container.remove();
      return { StatusCode, ...out };
    };
    const env = await run({ Env: ["A=1", "PATH=/bin:/usr/bin"], Cmd: ["sh", "-c", 'echo "$A $PATH $HOSTNAME $HOME"'], Hostname: "box" });
    assert.equal(env.stdout, "1 /bin:/usr/bin box /root\n");
    const entry = await run({ Entrypoint: ["echo", "via-entrypoint"] });
    assert.equal(entry.stdout, "via-entrypoint\n", "an entrypoint drops the image's Cmd");
    const user = await run({ User: "bob", WorkingDir: "/work/here", Cmd: ["sh", "-c", "id -u; id -G; pwd"] });
    assert.equal(user.stdout, "1000\n1000 50\n/work/here\n");
    const numeric = await run({ User: "4242:50", Cmd: ["id"] });
    assert.match(numeric.stdout, /^uid=4242 gid=50/);
    await assert.rejects(docker.createContainer({ Image: BUSYBOX, Entrypoint: [""], Cmd: [] }), /no command specified/);
  });

  it("refuses what it cannot do yet with 501, and invalid requests with 400, before creating anything", async () => {
    const before = (await docker.listContainers({ all: true })).length;
    await assert.rejects(
      docker.createContainer({ Image: BUSYBOX, HostConfig: { Links: ["other:alias"] } }),
      (err: { statusCode: number; message: string }) => err.statusCode === 501 && /Links is not supported by berth yet/.test(err.message),
    );
    await assert.rejects(
      docker.createContainer({ Image: BUSYBOX, HostConfig: { Binds: ["/host:relative"] } }),
      (err: { statusCode: number; message: string }) => err.statusCode === 400 && /invalid volume specification: '\/host:relative'/.test(err.message),
    );
    await assert.rejects(
      docker.createContainer({ Image: BUSYBOX, HostConfig: { CapAdd: ["NOT_A_CAP"] } }),
      (err: { statusCode: number; message: string }) => err.statusCode === 400 && /unknown capability/.test(err.message),
    );
    await assert.rejects(
      docker.createContainer({ Image: "no-such-image:1" }),
      (err: { statusCode: number; message: string }) => err.statusCode === 404 && /No such image: no-such-image:1/.test(err.message),
    );
    await assert.rejects(
      docker.createContainer({ Image: BUSYBOX, name: "bad name" }),
      (err: { statusCode: number }) => err.statusCode === 400,
    );
    assert.equal((await docker.listContainers({ all: true })).length, before);
  });

  it("reports a missing command as Docker does: 400 on start, exit code 127, the message in State.Error", async () => {
    const container = await docker.createContainer({ Image: BUSYBOX, Cmd: ["no-such-command"] });
    await assert.rejects(container.start(), (err: { statusCode: number; message: string }) =>
      err.statusCode === 400 && /exec: "no-such-command": executable file not found in \$PATH/.test(err.message));
    const state = (await container.inspect()).State;
    assert.equal(state.ExitCode, 127);
    assert.match(state.Error, /executable file not found/);
    await container.remove();
  });

  it("reports an execve failure on start too when the process waited for its network (exec format error: 126)", async () => {
    // Found and executable, so the monitor sets the process up; only execve, after the endpoints are in, tells.
    const dir = mkdtempSync(join(tmpdir(), "berth-notelf-"));
    writeFileSync(join(dir, "notelf"), "\x7fELF, but not really\n", { mode: 0o755 });
    try {
      const container = await docker.createContainer({ Image: BUSYBOX, Cmd: ["/notelf"], HostConfig: { Binds: [`${dir}/notelf:/notelf:ro`] } });
      assert.ok((await container.inspect()).HostConfig.NetworkMode !== "none", "on the default network: held until connected");
      await assert.rejects(container.start(), (err: { statusCode: number; message: string }) =>
        err.statusCode === 400 && /exec: "\/notelf": Exec format error/.test(err.message));
      const state = (await container.inspect()).State;
      assert.equal(state.Status, "created");
      assert.equal(state.ExitCode, 126);
      assert.match(state.Error, /Exec format error/);
      assert.deepEqual(monitorsUnder(engine.root), []);
      await container.remove();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("stops with StopSignal then SIGKILL after the timeout; kill, restart, pause, unpause and rename", async () => {
    const stubborn = await docker.createContainer({ Image: BUSYBOX, name: "stubborn", Cmd: ["sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done"] });
    await stubborn.start();
    await assert.rejects(stubborn.start(), (err: { statusCode: number }) => err.statusCode === 304);
    await stubborn.stop({ t: 1 });
    const stopped = (await stubborn.inspect()).State;
    assert.equal(stopped.Status, "exited");
    assert.equal(stopped.ExitCode, 137, "SIGKILL after the timeout, since it ignores SIGTERM");

    // With Init, sleep is not pid 1, so the signals init forwards to it take effect.
    const polite = await docker.createContainer({ Image: BUSYBOX, Cmd: ["sleep", "60"], HostConfig: { Init: true } });
    await polite.start();
    await polite.kill({ signal: "SIGUSR1" });
    assert.equal((await polite.wait()).StatusCode, 138, "SIGUSR1 ends sleep: 128+10");
    await polite.restart();
    assert.equal((await polite.inspect()).State.Status, "running");
    assert.equal((await polite.inspect()).RestartCount, 0, "a start through the API starts the count over, as dockerd's does");

    await polite.pause();
    assert.equal((await polite.inspect()).State.Status, "paused");
    await assert.rejects(polite.remove(), (err: { statusCode: number }) => err.statusCode === 409);
    await polite.unpause();
    await polite.rename({ name: "renamed" });
    assert.equal((await polite.inspect()).Name, "/renamed");
    await assert.rejects(polite.rename({ name: "stubborn" }), (err: { statusCode: number }) => err.statusCode === 409);
    await polite.kill();
    assert.equal((await polite.inspect()).State.ExitCode, 137);
    await polite.remove();
    await stubborn.remove();
    assert.deepEqual(monitorsUnder(engine.root), []);
  });

  it("removes a running container with force, and an AutoRemove one by itself; wait removed sees it", async () => {
    const running = await docker.createContainer({ Image: BUSYBOX, Cmd: ["sleep", "60"] });
    await running.start();
    await running.remove({ force: true });
    await assert.rejects(running.inspect(), (err: { statusCode: number }) => err.statusCode === 404);

    const auto = await docker.createContainer({ Image: BUSYBOX, Cmd: ["sh", "-c", "exit 5"], HostConfig: { AutoRemove: true } });
    const removed = auto.wait({ condition: "removed" });
    await auto.start();
    assert.equal((await removed).StatusCode, 5);
    await assert.rejects(auto.inspect(), (err: { statusCode: number }) => err.statusCode === 404);
  });
});
