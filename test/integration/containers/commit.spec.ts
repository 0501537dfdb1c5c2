// POST /commit and GET /containers/{id}/changes (docker commit, docker diff) through dockerode on an isolated
// berthd: the container's written, changed and deleted files become one layer on its image, without berthd's own
// files or the container's mounts; the config is the container's with the changes applied; a running container is
// paused while its upper dir is read.
import assert from "node:assert/strict";
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import { lgetxattr } from "../../../src/runtime/native.js";
import { BUSYBOX, demux, useEngine, type Engine } from "./helpers.js";
import { EventWatch } from "./watch-events.js";

interface Change {
  Path: string;
  Kind: number;
}

/** docker diff's notation: `C /etc`, `A /etc/motd`, `D /gone`. */
const diffLines = (changes: Change[] | null) => (changes ?? []).map(({ Path, Kind }) => `${"CAD"[Kind]} ${Path}`);

describe("containers: commit and diff (integration, root)", function () {
  this.timeout(60_000);
  let engine: Engine;
  let docker: Docker;
  useEngine((started) => {
    engine = started;
    docker = started.docker;
  });

  /** Runs `script` in a new container of `image` to its end (status 0); the container stays for the test. */
  async function ranContainer(image: string, script: string, options: Docker.ContainerCreateOptions = {}): Promise<Docker.Container> {
    const c = await docker.createContainer({ Image: image, Cmd: ["sh", "-c", script], ...options });
    const exit = c.wait({ condition: "next-exit" });
    await c.start();
    assert.equal((await exit).StatusCode, 0);
    return c;
  }

  /** The output of `script` in a throwaway container of `image`. */
  async function output(image: string, script?: string): Promise<string> {
    const c = await docker.createContainer({ Image: image, ...(script !== undefined && { Cmd: ["sh", "-c", script] }) });
    const exit = c.wait({ condition: "next-exit" });
    await c.start();
    assert.equal((await exit).StatusCode, 0);
    const { stdout } = await demux(docker, (await c.logs({ stdout: true, stderr: true, follow: true })) as unknown as NodeJS.ReadableStream);
    await c.remove();
    return stdout;
  }

  const changesOf = async (c: Docker.Container) => diffLines((await c.changes()) as Change[] | null);
  const commit = async (c: Docker.Container, options: Record<string, unknown> = {}) => ((await c.commit(options)) as { Id: string }).Id;
  /** The unpacked layer with this diff id, in the store's layout. */
  const layerDir = (diffId: string) => join(engine.root, "image", "layers", diffId.replace("sha256:", ""));
  const imageConfig = (id: string) => JSON.parse(readFileSync(join(engine.root, "image", "blobs", "sha256", id.replace("sha256:", "")), "utf8"));

  it("commits written, changed and deleted files (a deleted directory too) as one layer, and the new image has exactly them", async () => {
    const first = await ranContainer(BUSYBOX, "mkdir -p /data/sub /gone/deep && echo one > /data/a && echo keep > /data/sub/k && echo x > /gone/deep/f && echo old > /etc/motd");
    assert.deepEqual(await changesOf(first), [
      "A /data", "A /data/a", "A /data/sub", "A /data/sub/k", "C /etc", "A /etc/motd", "A /gone", "A /gone/deep", "A /gone/deep/f",
    ]);
    const base = await commit(first, { repo: "commit-base", tag: "1" });
    const busyboxLayers = (await docker.getImage(BUSYBOX).inspect()).RootFS.Layers!;
    const baseInspect = await docker.getImage("commit-base:1").inspect();
    assert.equal(baseInspect.Id, base);
    assert.deepEqual(baseInspect.RootFS.Layers!.slice(0, -1), busyboxLayers);
    assert.equal(baseInspect.RootFS.Layers!.length, busyboxLayers.length + 1);
    const layer = layerDir(baseInspect.RootFS.Layers!.at(-1)!);
    assert.equal(readFileSync(join(layer, "etc/motd"), "utf8"), "old\n");
    for (const generated of ["etc/hosts", "etc/hostname", "etc/resolv.conf"]) assert.equal(existsSync(join(layer, generated)), false, `${generated} is berthd's, not the container's`);

    const second = await ranContainer("commit-base:1", "echo two > /data/a && echo new > /data/b && rm /etc/motd && rm -rf /gone /data/sub && mkdir /data/sub && echo n > /data/sub/n");
    assert.deepEqual(await changesOf(second), [
      "C /data", "C /data/a", "A /data/b", "C /data/sub", "D /data/sub/k", "A /data/sub/n", "C /etc", "D /etc/motd", "D /gone",
    ]);
    const id = await commit(second, { repo: "commit-result", tag: "2" });
    const top = layerDir((await docker.getImage(id).inspect()).RootFS.Layers!.at(-1)!);
    assert.ok(lstatSync(join(top, "gone")).isCharacterDevice(), "the deleted directory is a whiteout in the layer");
    assert.equal(lgetxattr(join(top, "data/sub"), "trusted.overlay.opaque").toString(), "y", "the recreated directory hides the old one");

    assert.equal(
      await output("commit-result:2", "cat /data/a /data/b /data/sub/n; ls /data/sub; test -e /etc/motd || echo no-motd; test -e /gone || echo no-gone"),
      "two\nnew\nn\nn\nno-motd\nno-gone\n",
    );
    await first.remove();
    await second.remove();
    await docker.getImage("commit-result:2").remove();
    await docker.getImage("commit-base:1").remove();
  });

  it("leaves what the container's volumes, binds and tmpfs hold out of the layer, and keeps a symlink to / a symlink", async () => {
    const host = mkdtempSync(join(tmpdir(), "berth-commit-bind-"));
    try {
      const c = await ranContainer(BUSYBOX, "echo v > /vol/v && echo h > /host/h && echo t > /scratch/t && echo kept > /kept && ln -s / /esc", {
        HostConfig: { Binds: [`${host}:/host`], Mounts: [{ Type: "volume", Source: "", Target: "/vol" }], Tmpfs: { "/scratch": "" } },
      });
      // The mount points the runtime made stay (empty), as dockerd's diff and commit keep them.
      assert.deepEqual(await changesOf(c), ["A /esc", "A /host", "A /kept", "A /scratch", "A /vol"]);
      const id = await commit(c);
      const layers = (await docker.getImage(id).inspect()).RootFS.Layers!;
      const top = layerDir(layers.at(-1)!);
      for (const mount of ["vol", "host", "scratch"]) assert.deepEqual(readdirSync(join(top, mount)), [], `/${mount} is a mount point: nothing of what was mounted there`);
      assert.equal(readFileSync(join(top, "kept"), "utf8"), "kept\n");
      assert.equal(readlinkSync(join(top, "esc")), "/", "a symlink stays a symlink, nothing of what it points to comes in");
      assert.equal(await output(id, "cat /kept; ls -A /vol /host /scratch"), "kept\n/host:\n\n/scratch:\n\n/vol:\n");
      await c.remove({ v: true });
      await docker.getImage(id).remove();
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
  });

  it("takes the container's config, applies the changes (CMD, ENV, EXPOSE, LABEL...) and records author, comment and history", async () => {
    const c = await ranContainer(BUSYBOX, "echo hi > /greeting", { Env: ["FROM_RUN=yes"], WorkingDir: "/tmp", Labels: { kept: "1" } });
    const id = await commit(c, {
      repo: "commit-config",
      author: "Ada <ada@example.org>",
      comment: "with changes",
      changes: ['CMD ["sh", "-c", "echo $GREETING from $PWD; cat /greeting"]', "ENV GREETING=hello DIR=$FROM_RUN/x", "EXPOSE 8080 53/udp", 'LABEL role="web server"', "WORKDIR /srv", "USER root", "STOPSIGNAL SIGINT"],
    });
    const image = await docker.getImage("commit-config:latest").inspect();
    assert.equal(image.Id, id);
    assert.equal(image.Author, "Ada <ada@example.org>");
    assert.equal(image.Comment, "with changes");
    assert.deepEqual(image.Config.Cmd, ["sh", "-c", "echo $GREETING from $PWD; cat /greeting"]);
    // the container's variables (busybox's PATH, the one it was created with), the change's after them
    assert.deepEqual(image.Config.Env, ["PATH=/bin", "FROM_RUN=yes", "GREETING=hello", "DIR=yes/x"]);
    assert.deepEqual(image.Config.ExposedPorts, { "8080/tcp": {}, "53/udp": {} });
    assert.deepEqual(image.Config.Labels, { kept: "1", role: "web server" });
    assert.equal(image.Config.WorkingDir, "/srv");
    assert.equal(image.Config.User, "root");
    assert.equal((image.Config as { StopSignal?: string }).StopSignal, "SIGINT");
    const history = imageConfig(id).history;
    assert.deepEqual({ ...history.at(-1), created: undefined }, {
      created: undefined, created_by: "sh -c echo hi > /greeting", author: "Ada <ada@example.org>", comment: "with changes",
    });
    assert.equal(await output("commit-config:latest"), "hello from /srv\nhi\n");
    await c.remove();
    await docker.getImage(id).remove();
  });

  it("makes no layer when nothing changed: the image has its parent's layers and the container's config", async () => {
    const c = await docker.createContainer({ Image: BUSYBOX, Cmd: ["echo", "unchanged"] });
    assert.deepEqual(await changesOf(c), []);
    const id = await commit(c);
    const image = await docker.getImage(id).inspect();
    assert.deepEqual(image.RootFS.Layers, (await docker.getImage(BUSYBOX).inspect()).RootFS.Layers);
    assert.deepEqual(image.Config.Cmd, ["echo", "unchanged"]);
    assert.equal(imageConfig(id).history.at(-1).empty_layer, true);
    assert.equal(await output(id), "unchanged\n");
    await c.remove();
    await docker.getImage(id).remove();
  });

  it("pauses a running container while committing it, unless pause=false, and leaves it running", async () => {
    const c = await docker.createContainer({ Image: BUSYBOX, Cmd: ["sh", "-c", "echo live > /live; touch /ready; exec sleep 1000"] });
    await c.start();
    while (!(await changesOf(c)).includes("A /ready")) await new Promise((r) => setTimeout(r, 20));
    const watch = await EventWatch.start(docker, { container: [c.id] });
    const paused = await commit(c, { repo: "commit-live" });
    await watch.next((action) => action === "commit");
    assert.deepEqual(watch.actions, ["pause", "unpause", "commit"]);
    assert.equal(watch.seen.at(-1)!.Actor.Attributes.imageID, paused);
    assert.equal(watch.seen.at(-1)!.Actor.Attributes.imageRef, "commit-live:latest");
    const notPaused = await commit(c, { pause: false });
    await watch.next((action) => action === "commit", 2);
    assert.deepEqual(watch.actions, ["pause", "unpause", "commit", "commit"]);
    assert.equal((await c.inspect()).State.Status, "running");
    watch.close();
    for (const id of [paused, notPaused]) assert.equal(await output(id, "cat /live"), "live\n");
    await c.remove({ force: true });
    await docker.getImage(paused).remove();
    await docker.getImage(notPaused).remove();
  });

  it("refuses an unknown container, a change commit does not take, a bad change and a bad name, and stores nothing", async () => {
    const before = (await docker.listImages({ all: true })).length;
    await assert.rejects(docker.getContainer("no-such").commit({}), (err: { statusCode: number; json: { message: string } }) =>
      err.statusCode === 404 && err.json.message === "No such container: no-such");
    await assert.rejects(docker.getContainer("no-such").changes(), (err: { statusCode: number; json: { message: string } }) =>
      err.statusCode === 404 && err.json.message === "No such container: no-such");
    const c = await ranContainer(BUSYBOX, "touch /x");
    const refused = async (options: Record<string, unknown>, message: string) =>
      assert.rejects(c.commit(options), (err: { statusCode: number; json: { message: string } }) => {
        assert.equal(err.statusCode, 400);
        assert.equal(err.json.message, message);
        return true;
      });
    await refused({ changes: ["RUN touch /y"] }, "run is not a valid change command");
    await refused({ changes: ["EXPOSE http"] }, 'invalid change "EXPOSE http": invalid containerPort: http');
    await refused({ changes: ["HEALTHCHECK --interval=soon CMD true"] }, 'invalid change "HEALTHCHECK --interval=soon CMD true": invalid duration for --interval: "soon" (use e.g. 30s, 1m30s, 500ms)');
    await refused({ changes: ["ENV"] }, 'invalid change "ENV": ENV requires at least one argument');
    await refused({ repo: "Not/Valid" }, 'invalid reference "Not/Valid": repository name must be lowercase');
    assert.equal((await docker.listImages({ all: true })).length, before);
    await c.remove();
  });
});
