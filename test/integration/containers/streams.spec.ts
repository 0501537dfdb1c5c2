// The streaming endpoints through dockerode: attach before start (docker run's order), stdin, exec with and
// without a TTY, top, logs with tail/timestamps/follow, and the events all of it emits.
import assert from "node:assert/strict";
import type { Duplex } from "node:stream";
import type Docker from "dockerode";
import { BUSYBOX, demux, useEngine } from "./helpers.js";

/** Everything a raw (TTY) stream carries until it ends. */
function collect(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    stream.on("data", (chunk: Buffer) => (out += chunk));
    stream.on("end", () => resolve(out));
    stream.on("error", reject);
  });
}

describe("containers: attach, exec, logs, top and events through dockerode (integration, root)", function () {
  this.timeout(60_000);
  let docker: Docker;
  useEngine((started) => (docker = started.docker));

  it("attaches before start and loses no output; stdin reaches the process and its end closes stdin", async () => {
    const container = await docker.createContainer({
      Image: BUSYBOX, Cmd: ["sh", "-c", "echo first; cat; echo done >&2"], OpenStdin: true, StdinOnce: true, AttachStdin: true,
    });
    const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
    const output = demux(docker, stream);
    await container.start();
    stream.end("typed\n");
    assert.deepEqual(await output, { stdout: "first\ntyped\n", stderr: "done\n" });
    assert.equal((await container.wait()).StatusCode, 0);
    await container.remove();
  });

  it("runs execs with and without a TTY, reports their exit codes, and lists processes with top", async () => {
    const container = await docker.createContainer({ Image: BUSYBOX, Cmd: ["sleep", "60"], HostConfig: { Init: true } });
    await container.start();

    const plain = await container.exec({ Cmd: ["sh", "-c", "echo out; echo err >&2; exit 4"], AttachStdout: true, AttachStderr: true });
    const plainStream = await plain.start({ hijack: true, stdin: false });
    assert.deepEqual(await demux(docker, plainStream), { stdout: "out\n", stderr: "err\n" });
    const inspected = await plain.inspect();
    assert.equal(inspected.ExitCode, 4);
    assert.equal(inspected.Running, false);

    const tty = await container.exec({ Cmd: ["sh", "-c", "tty; echo $TERM"], AttachStdout: true, Tty: true });
    const ttyOut = await collect(await tty.start({ hijack: true, stdin: false, Tty: true }));
    assert.equal(ttyOut.replace(/\r/g, ""), "/dev/pts/0\nxterm\n");

    const missing = await container.exec({ Cmd: ["no-such-tool"], AttachStdout: true, AttachStderr: true });
    const missingOut = await collect(await missing.start({ hijack: true, stdin: false }));
    assert.match(missingOut, /executable file not found/);
    assert.equal((await missing.inspect()).ExitCode, 127);

    const processes = await container.top({ ps_args: "-eo pid,args" });
    assert.deepEqual(processes.Titles, ["PID", "COMMAND"]);
    const commands = processes.Processes.map((p: string[]) => p[1]);
    assert.ok(commands.includes("sleep 60"), JSON.stringify(commands));
    assert.equal(processes.Processes.length, 2, "the init and sleep, nothing of the host");
    await container.remove({ force: true });
    await assert.rejects(plain.inspect(), (err: { statusCode: number }) => err.statusCode === 404);
  });

  it("serves logs with tail and timestamps, and follows them until the container stops", async () => {
    const container = await docker.createContainer({ Image: BUSYBOX, Cmd: ["sh", "-c", "for i in 1 2 3; do echo line$i; done; read x; echo last"], OpenStdin: true });
    await container.start();
    const following = (await container.logs({ follow: true, stdout: true })) as unknown as NodeJS.ReadableStream;
    const followed = demux(docker, following);
    const tailed = (await container.logs({ stdout: true, tail: 1, timestamps: true, follow: false })) as unknown as Buffer;
    assert.match(tailed.subarray(8).toString(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z line3\n$/);
    const stdin = (await container.attach({ stream: true, stdin: true, hijack: true })) as unknown as Duplex;
    stdin.end("go\n");
    assert.equal((await followed).stdout, "line1\nline2\nline3\nlast\n");
    await container.remove({ force: true });
  });

  it("filters logs by time with since and until", async () => {
    const container = await docker.createContainer({ Image: BUSYBOX, Cmd: ["sh", "-c", "echo early; sleep 1.2; echo late"] });
    await container.start();
    await container.wait();
    const all = (await container.logs({ stdout: true, timestamps: true })) as unknown as Buffer;
    const lateAt = /(\d{4}-\S+) late/.exec(all.toString())![1]!;
    const seconds = Date.parse(lateAt) / 1000 - 0.5;
    const since = (await container.logs({ stdout: true, since: seconds })) as unknown as Buffer;
    assert.equal(since.subarray(8).toString(), "late\n");
    const until = (await container.logs({ stdout: true, until: seconds })) as unknown as Buffer;
    assert.equal(until.subarray(8).toString(), "early\n");
    await container.remove();
  });

  it("prunes stopped containers by label, keeping running ones", async () => {
    const stopped = await docker.createContainer({ Image: BUSYBOX, Cmd: ["true"], Labels: { prune: "yes" } });
    const other = await docker.createContainer({ Image: BUSYBOX, Cmd: ["true"], Labels: { prune: "no" } });
    const running = await docker.createContainer({ Image: BUSYBOX, Cmd: ["sleep", "60"], Labels: { prune: "yes" } });
    await running.start();
    const pruned = await docker.pruneContainers({ filters: { label: ["prune=yes"] } });
    assert.deepEqual(pruned.ContainersDeleted, [stopped.id]);
    await other.remove();
    await running.remove({ force: true });
  });

  it("emits Docker's container events with the attributes clients filter on", async () => {
    const events = (await docker.getEvents({ filters: { type: ["container"], label: ["events=yes"] } })) as unknown as NodeJS.ReadableStream;
    const seen: { Action: string; Actor: { Attributes: Record<string, string> } }[] = [];
    const destroyed = new Promise<void>((resolve) => {
      let text = "";
      events.on("data", (chunk: Buffer) => {
        text += chunk;
        const lines = text.split("\n");
        text = lines.pop()!;
        for (const line of lines) {
          seen.push(JSON.parse(line));
          if (seen.at(-1)!.Action === "destroy") resolve();
        }
      });
    });
    const container = await docker.createContainer({ Image: BUSYBOX, name: "eventful", Cmd: ["sleep", "60"], Labels: { events: "yes" } });
    await container.start();
    const exec = await container.exec({ Cmd: ["true"] });
    await exec.start({ Detach: true });
    await container.pause();
    await container.unpause();
    await container.rename({ name: "eventful2" });
    await container.kill();
    await container.remove();
    await destroyed;
    (events as unknown as Duplex).destroy();
    // exec_die comes when the exec ends, which may be after the pause: compare it apart.
    const actions = seen.map((e) => e.Action);
    assert.deepEqual(actions.filter((a) => a !== "exec_die"), ["create", "start", "exec_create: true", "exec_start: true", "pause", "unpause", "rename", "kill", "die", "destroy"]);
    assert.equal(actions.filter((a) => a === "exec_die").length, 1);
    const byAction = (action: string) => seen.find((e) => e.Action === action)!.Actor.Attributes;
    assert.equal(byAction("create").name, "eventful");
    assert.equal(byAction("create").image, BUSYBOX);
    assert.equal(byAction("rename").oldName, "/eventful");
    assert.equal(byAction("kill").signal, "9");
    assert.equal(byAction("die").exitCode, "137");
    assert.equal(byAction("exec_die").exitCode, "0");
    assert.match(byAction("exec_die").execID!, /^[a-f0-9]{64}$/);
  });
});
