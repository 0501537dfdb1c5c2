// docker commit and docker diff, the same requests to berthd and to a real Docker engine (Debian's docker.io, run
// by engines/dockerd.sh in a namespace of its own): the changes each lists, the config of the committed image and
// what it runs must be the same. Without docker.io the suite fails, saying what to install: it is not skipped.
import assert from "node:assert/strict";
import type Docker from "dockerode";
import { startBerthdEngine } from "./engines/berthd.js";
import { startDockerd } from "./engines/dockerd.js";
import type { TestEngine } from "./engines/engine.js";

interface Change {
  Path: string;
  Kind: number;
}

/** What a scenario gives on one engine; the engines must agree on all of it. */
type Outcome = Record<string, unknown>;

describe("docker commit and diff: berthd as dockerd (e2e, root)", function () {
  this.timeout(180_000);
  const engines: TestEngine[] = [];

  before(async () => {
    engines.push(await startBerthdEngine());
    engines.push(await startDockerd());
  });
  after(async () => {
    for (const engine of engines) await engine.stop();
  });

  /** Runs `script` in a busybox-based container to its end; the container stays. */
  async function ran(docker: Docker, image: string, script: string): Promise<Docker.Container> {
    const c = await docker.createContainer({ Image: image, Cmd: ["sh", "-c", script], HostConfig: { NetworkMode: "none" } });
    const exit = c.wait({ condition: "next-exit" });
    await c.start();
    assert.equal((await exit).StatusCode, 0);
    return c;
  }

  async function output(docker: Docker, image: string, cmd?: string[]): Promise<string> {
    const c = await docker.createContainer({ Image: image, ...(cmd && { Cmd: cmd }), HostConfig: { NetworkMode: "none" } });
    const exit = c.wait({ condition: "next-exit" });
    await c.start();
    const { StatusCode } = await exit;
    const logs = (await c.logs({ stdout: true, stderr: true })) as Buffer;
    await c.remove();
    // Demultiplexed by hand: 8-byte frame headers.
    let text = "";
    for (let at = 0; at < logs.length; ) {
      const size = logs.readUInt32BE(at + 4);
      text += logs.subarray(at + 8, at + 8 + size).toString();
      at += 8 + size;
    }
    return `${StatusCode}: ${text}`;
  }

  /** dockerd answers null for no changes (which dockerode hands over as a Buffer), berthd []. */
  async function sortedChanges(c: Docker.Container): Promise<string[]> {
    const changes = (await c.changes()) as Change[] | Buffer;
    return Array.isArray(changes) ? changes.map(({ Path, Kind }) => `${"CAD"[Kind]} ${Path}`).sort() : [];
  }

  /** The parts of image inspect a commit decides (ids and dates differ between engines). */
  async function imageOutcome(docker: Docker, ref: string, baseLayers: number): Promise<Outcome> {
    const image = await docker.getImage(ref).inspect();
    const { Cmd, Entrypoint, Env, ExposedPorts, Labels, WorkingDir, User, Volumes } = image.Config;
    const { StopSignal } = image.Config as { StopSignal?: string };
    return {
      // dockerd writes every field, null when unset; berthd leaves unset ones out
      config: { Cmd, Entrypoint, Env, ExposedPorts: ExposedPorts ?? null, Labels: Labels ?? {}, WorkingDir, User, Volumes: Volumes ?? null, StopSignal: StopSignal ?? null },
      author: image.Author,
      comment: image.Comment,
      newLayers: image.RootFS.Layers!.length - baseLayers,
      tags: image.RepoTags,
    };
  }

  /** Runs `scenario` on every engine and asserts that they agree; returns berthd's outcome. */
  async function agree(scenario: (docker: Docker) => Promise<Outcome>): Promise<Outcome> {
    const [berthd, dockerd] = [await scenario(engines[0]!.docker), await scenario(engines[1]!.docker)];
    assert.deepEqual(berthd, dockerd, "berthd and dockerd differ");
    return berthd!;
  }

  it("lists the same changes, commits the same config and layer, and the images run the same", async () => {
    const outcome = await agree(async (docker) => {
      const baseLayers = (await docker.getImage("busybox:latest").inspect()).RootFS.Layers!.length;
      const first = await ran(docker, "busybox:latest", "mkdir -p /data/sub /gone/deep && echo one > /data/a && echo keep > /data/sub/k && echo x > /gone/deep/f && echo old > /etc/motd && ln -s /data/a /link");
      const firstChanges = await sortedChanges(first);
      // (Not STOPSIGNAL: dockerd takes it as a change since 23.0, Debian's 20.10 does not; berthd speaks API 1.50.)
      await first.commit({
        repo: "parity", tag: "base", author: "tester", comment: "first",
        changes: ['CMD ["cat", "/data/a"]', "ENV MODE=base", "EXPOSE 8080 53/udp", "LABEL tier=base", "WORKDIR /data", "USER root", "VOLUME /cache"],
      });
      const base = await imageOutcome(docker, "parity:base", baseLayers);
      // /data/a changes size: dockerd takes a file of the same size and second as unchanged (its mtime heuristic)
      const second = await ran(docker, "parity:base", "echo second > /data/a && echo new > /data/b && rm /etc/motd && rm -rf /gone /data/sub && mkdir /data/sub && echo n > /data/sub/n");
      const secondChanges = await sortedChanges(second);
      await second.commit({ repo: "parity", tag: "second", changes: ['ENTRYPOINT ["sh", "-c"]'] });
      const result = await imageOutcome(docker, "parity:second", baseLayers);
      const runs = [
        await output(docker, "parity:base"),
        await output(docker, "parity:second", ["cat /data/a /data/b /data/sub/n /link; ls /data/sub; ls /gone /etc/motd 2>&1; echo $MODE; pwd"]),
      ];
      for (const c of [first, second]) await c.remove({ v: true });
      for (const tag of ["parity:second", "parity:base"]) await docker.getImage(tag).remove();
      return { firstChanges, base, secondChanges, result, runs };
    });
    // berthd's answers, which dockerd's matched: not vacuous
    assert.ok((outcome.firstChanges as string[]).includes("A /etc/motd"));
    assert.equal((outcome.result as { newLayers: number }).newLayers, 2);
  });

  it("commits a container that changed nothing without a new layer, and refuses the same bad requests", async () => {
    await agree(async (docker) => {
      const baseLayers = (await docker.getImage("busybox:latest").inspect()).RootFS.Layers!.length;
      const idle = await docker.createContainer({ Image: "busybox:latest", Cmd: ["true"], HostConfig: { NetworkMode: "none" } });
      const changes = await sortedChanges(idle);
      const { Id } = (await idle.commit({})) as { Id: string };
      const image = await imageOutcome(docker, Id, baseLayers);
      const errors = [];
      // (An invalid repo name is a 500 on dockerd, a 400 on berthd: it is the client's error.)
      for (const attempt of [() => docker.getContainer("no-such").commit({}), () => idle.commit({ changes: ["RUN true"] })]) {
        errors.push(await attempt().then(() => "accepted", (err: { statusCode: number }) => err.statusCode));
      }
      await idle.remove();
      await docker.getImage(Id).remove();
      return { changes, image, errors };
    });
  });
});
