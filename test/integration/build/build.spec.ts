// Dockerfile builds through `POST /build` (dockerode's buildImage) on an isolated berthd: RUN in containers on
// berth's runtime, COPY from the context with .dockerignore, multi-stage COPY --from, the layer cache, and errors.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import type Docker from "dockerode";
import { BUSYBOX, demux, useEngine } from "../containers/helpers.js";
import type { HistoryItem } from "../../../src/runtime/image/inspect.js";

interface BuildResult {
  output: string;
  id?: string;
  error?: string;
}

/** Builds the context directory `dir` and collects the JSON stream. */
async function build(docker: Docker, dir: string, options: Record<string, unknown> = {}): Promise<BuildResult> {
  const tar = execFileSync("tar", ["-C", dir, "-c", "."]);
  const stream = await docker.buildImage(Readable.from([tar]) as unknown as NodeJS.ReadableStream, options);
  const result: BuildResult = { output: "" };
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err) => (err ? reject(err) : resolve()),
      (message: { stream?: string; aux?: { ID: string }; error?: string }) => {
        if (message.stream) result.output += message.stream;
        if (message.aux) result.id = message.aux.ID;
        if (message.error) result.error = message.error;
      },
    );
  }).catch((err: Error) => {
    result.error = err.message;
  });
  return result;
}

async function run(docker: Docker, image: string, cmd?: string[]): Promise<string> {
  const c = await docker.createContainer({ Image: image, ...(cmd && { Cmd: cmd }) });
  const exit = c.wait();
  await c.start();
  assert.equal((await exit).StatusCode, 0);
  const logs = await c.logs({ stdout: true, stderr: true, follow: true });
  const { stdout } = await demux(docker, logs as unknown as NodeJS.ReadableStream);
  await c.remove();
  return stdout;
}

describe("build: Dockerfiles on berth's runtime (integration, root)", function () {
  this.timeout(120_000);
  let docker: Docker;
  let context: string;
  useEngine((engine) => (docker = engine.docker));

  beforeEach(() => {
    context = mkdtempSync(join(tmpdir(), "berth-build-"));
  });
  afterEach(() => rmSync(context, { recursive: true, force: true }));

  const write = (files: Record<string, string>) => {
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(join(context, name, ".."), { recursive: true });
      writeFileSync(join(context, name), content);
    }
  };

  it("builds FROM busybox with RUN, COPY, ENV, WORKDIR and CMD, and the result runs", async () => {
    write({
      Dockerfile: [
        `FROM ${BUSYBOX}`,
        "ARG GREETING=hello",
        "ENV NAME=berth DIR=/app",
        "WORKDIR ${DIR}",
        "COPY greeting.txt ./",
        "COPY conf/ conf/",
        'RUN echo "$GREETING from $NAME" > made.txt && rm /etc/group && echo built',
        'CMD ["sh", "-c", "cat /app/made.txt /app/greeting.txt /app/conf/a.conf; ls /app; test -e /etc/group || echo no-group"]',
      ].join("\n"),
      "greeting.txt": "copied\n",
      "conf/a.conf": "a=1\n",
      "secret.txt": "never\n",
      ".dockerignore": "secret.txt\n",
    });
    const result = await build(docker, context, { t: "built:one", buildargs: { GREETING: "hi" } });
    assert.equal(result.error, undefined, result.output);
    assert.match(result.output, /^Step 1\/8 : FROM busybox:latest$/m);
    assert.match(result.output, /^Step 7\/8 : RUN echo/m);
    assert.match(result.output, /^ ---> Running in [0-9a-f]{12}$/m);
    assert.match(result.output, /^built$/m);
    assert.match(result.output, /^Successfully tagged built:one$/m);
    const inspected = await docker.getImage("built:one").inspect();
    assert.equal(inspected.Id, result.id);
    assert.equal(inspected.Config.WorkingDir, "/app");
    assert.ok(inspected.Config.Env.includes("NAME=berth"));
    assert.equal(
      await run(docker, "built:one"),
      "hi from berth\ncopied\na=1\nconf\ngreeting.txt\nmade.txt\nno-group\n",
      "the RUN's file, the COPYs, the deletion as a whiteout; .dockerignore kept secret.txt out",
    );
    assert.deepEqual((await docker.listContainers({ all: true })).length, 0, "no build container is left");
    const listed = (await docker.listImages()).map((image) => image.RepoTags?.join(",") || "<none>").sort();
    assert.deepEqual(listed, ["berth/host:latest", "built:one", BUSYBOX], "the steps' intermediate images are not listed");

    const steps = [...result.output.matchAll(/^ ---> ([0-9a-f]{12})$/gm)].map((m) => m[1]!).slice(1);
    assert.equal(steps.length, 7);

    // docker history: newest step first, the image's id and tag on it, each build parent's id on the step below.
    const history = (await docker.getImage("built:one").history()) as HistoryItem[];
    const made = history.slice(0, 7);
    assert.deepEqual(made.map((h) => h.CreatedBy), [
      '/bin/sh -c #(nop)  CMD ["sh", "-c", "cat /app/made.txt /app/greeting.txt /app/conf/a.conf; ls /app; test -e /etc/group || echo no-group"]',
      '|1 GREETING=hi /bin/sh -c echo "$GREETING from $NAME" > made.txt && rm /etc/group && echo built',
      "/bin/sh -c #(nop)  COPY conf/ conf/",
      "/bin/sh -c #(nop)  COPY greeting.txt ./",
      "/bin/sh -c #(nop)  WORKDIR ${DIR}",
      "/bin/sh -c #(nop)  ENV NAME=berth DIR=/app",
      "/bin/sh -c #(nop)  ARG GREETING=hello",
    ]);
    assert.deepEqual(made.map((h) => h.Id.slice(7, 19)), [...steps].reverse());
    assert.deepEqual(made[0]!.Tags, ["built:one"]);
    assert.equal(made[6]!.Tags, null);
    assert.deepEqual(made.map((h) => h.Size > 0), [false, true, true, true, false, false, false], "RUN and COPY added layers");
    assert.equal(history.length, 7 + ((await docker.getImage(BUSYBOX).history()) as HistoryItem[]).length, "then the base image's own steps");
    const removed = (await docker.getImage("built:one").remove()) as { Deleted?: string }[];
    assert.deepEqual(removed.flatMap((item) => (item.Deleted ? [item.Deleted.slice(7, 19)] : [])).sort(), [...steps].sort(), "the intermediate images go with it");
    await docker.getImage(BUSYBOX).inspect();
  });

  it("rebuilds from the cache, and a changed COPY source rebuilds from that step on", async () => {
    write({
      Dockerfile: [`FROM ${BUSYBOX}`, "RUN echo one > /one", "COPY input.txt /input.txt", "RUN cat /input.txt > /copy"].join("\n"),
      "input.txt": "v1\n",
    });
    const first = await build(docker, context, { t: "cached:x" });
    assert.equal(first.error, undefined, first.output);
    const second = await build(docker, context, { t: "cached:x" });
    assert.equal(second.id, first.id);
    assert.equal((second.output.match(/ ---> Using cache/g) ?? []).length, 3, second.output);
    assert.doesNotMatch(second.output, /Running in/);
    writeFileSync(join(context, "input.txt"), "v2\n");
    const third = await build(docker, context, { t: "cached:x" });
    assert.notEqual(third.id, first.id);
    assert.equal((third.output.match(/ ---> Using cache/g) ?? []).length, 1, "only the RUN before the COPY is cached");
    assert.equal(await run(docker, "cached:x", ["cat", "/copy"]), "v2\n");
    const noCache = await build(docker, context, { nocache: true });
    assert.doesNotMatch(noCache.output, /Using cache/);
  });

  it("copies from an earlier stage into a later one (multi-stage, --from by name), a file into an existing directory", async () => {
    write({
      Dockerfile: [
        `FROM ${BUSYBOX} AS gen`,
        "RUN mkdir /out && echo generated > /out/file.txt && echo other > /other.txt",
        "FROM scratch",
        "COPY --from=gen /out /data",
        "COPY --from=gen /other.txt /data",
        "COPY --from=gen --chmod=700 /bin/busybox /bin/sh",
        'CMD ["/bin/sh", "-c", "read line < /data/file.txt; read other < /data/other.txt; echo $line $other"]',
      ].join("\n"),
    });
    const result = await build(docker, context, { t: "multi:x" });
    assert.equal(result.error, undefined, result.output);
    assert.equal(await run(docker, "multi:x"), "generated other\n", "a file copied onto an existing directory goes into it");
  });

  it("runs a node script on berth/host, heredocs, ADD of a tar, --chown, ARG in FROM, target and labels", async () => {
    mkdirSync(join(context, "tree"));
    writeFileSync(join(context, "tree", "inside.txt"), "from the tar\n");
    execFileSync("tar", ["-C", join(context, "tree"), "-czf", join(context, "tree.tar.gz"), "."]);
    rmSync(join(context, "tree"), { recursive: true });
    write({
      Dockerfile: [
        "ARG BASE=busybox",
        "FROM berth/host AS gen",
        `RUN node -e "require('fs').writeFileSync('/generated.txt', 'by node ' + process.version.startsWith('v') + '\\n')"`,
        "FROM ${BASE}:latest AS final",
        "ARG WHO",
        "COPY --from=gen /generated.txt /",
        "ADD tree.tar.gz /tree/",
        "COPY --chown=bob:staff <<EOF /owned.txt",
        "hello $WHO",
        "EOF",
        "RUN <<EOF",
        "set -e",
        'stat -c "%U:%G" /owned.txt > /owner.txt',
        "EOF",
        'CMD ["cat", "/generated.txt", "/tree/inside.txt", "/owned.txt", "/owner.txt"]',
        "FROM busybox:latest AS unused",
        "RUN exit 1",
      ].join("\n"),
    });
    const result = await build(docker, context, { t: "mixed:x", target: "final", buildargs: { WHO: "world" }, labels: { "com.example.team": "build" } });
    assert.equal(result.error, undefined, result.output);
    assert.match(result.output, /^Step 1\/10 : FROM berth\/host AS gen$/m, "steps count up to the target stage, and the labels' step");
    assert.match(result.output, /^Step 10\/10 : LABEL "com.example.team"="build"$/m);
    assert.equal(await run(docker, "mixed:x"), "by node true\nfrom the tar\nhello world\nbob:staff\n");
    assert.equal((await docker.getImage("mixed:x").inspect()).Config.Labels["com.example.team"], "build");
  });

  it("runs the base's ONBUILD triggers, RUN heredocs feeding a command, a recreated directory hides the old content, ADD of a plain .gz", async () => {
    write({ Dockerfile: [`FROM ${BUSYBOX}`, "RUN mkdir /dir && touch /dir/old", "ONBUILD RUN echo triggered > /triggered"].join("\n") });
    const base = await build(docker, context, { t: "onbuild:base" });
    assert.equal(base.error, undefined, base.output);
    write({
      Dockerfile: [
        "FROM onbuild:base",
        "RUN rm -rf /dir && mkdir /dir && touch /dir/new",
        "RUN cat <<EOF > /greeting",
        "hello heredoc",
        "EOF",
        "ADD note.gz /n/",
        'CMD ["sh", "-c", "cat /triggered /greeting; ls /dir; zcat /n/note.gz"]',
      ].join("\n"),
    });
    writeFileSync(join(context, "note.gz"), gzipSync("gzipped, not a tar\n"));
    const child = await build(docker, context, { t: "onbuild:child" });
    assert.equal(child.error, undefined, child.output);
    assert.match(child.output, /^# Executing build trigger: RUN echo triggered > \/triggered$/m);
    assert.equal(await run(docker, "onbuild:child"), "triggered\nhello heredoc\nnew\ngzipped, not a tar\n", "ADD copies a compressed non-tar as it is");
    assert.equal((await docker.getImage("onbuild:child").inspect()).Config.OnBuild, null, "triggers are not inherited further");
  });

  it("stops a build whose client goes away: the running step's container is killed and removed", async () => {
    write({ Dockerfile: `FROM ${BUSYBOX}\nRUN echo started && sleep 1000\n` });
    const tar = execFileSync("tar", ["-C", context, "-c", "."]);
    const stream = (await docker.buildImage(Readable.from([tar]) as unknown as NodeJS.ReadableStream, {})) as NodeJS.ReadableStream & { destroy(): void };
    let seen = "";
    for await (const chunk of stream) {
      seen += String(chunk);
      // The RUN's own output line, not the step header that quotes it: the container runs.
      if (seen.includes('{"stream":"started\\n"}')) break;
    }
    assert.equal((await docker.listContainers()).length, 1, "the step's container is running");
    stream.destroy();
    while ((await docker.listContainers({ all: true })).length > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  });

  it("fails with the command's exit code, and names the Dockerfile line of a bad instruction", async () => {
    write({ Dockerfile: `FROM ${BUSYBOX}\nRUN exit 3\n` });
    const failed = await build(docker, context, { forcerm: true });
    assert.match(failed.error ?? "", /The command '\/bin\/sh -c exit 3' returned a non-zero code: 3/);
    assert.equal((await docker.listContainers({ all: true })).length, 0, "forcerm removed the failed step's container");
    write({ Dockerfile: `FROM ${BUSYBOX}\n\nRUNN true\n` });
    assert.match((await build(docker, context)).error ?? "", /^Dockerfile:3: unknown instruction: RUNN$/);
    write({ Dockerfile: `FROM ${BUSYBOX}\nCOPY missing.txt /\n` });
    assert.match((await build(docker, context)).error ?? "", /^Dockerfile:2: file not found in build context or excluded by .dockerignore: stat missing.txt/);
    symlinkSync("/etc/hostname", join(context, "escape"));
    write({ Dockerfile: `FROM ${BUSYBOX}\nCOPY escape /x\n` });
    assert.match((await build(docker, context)).error ?? "", /^Dockerfile:2: forbidden path outside the build context: escape$/);
    write({ Dockerfile: `FROM ${BUSYBOX}\nADD https://example.com/x /x\n` });
    assert.match((await build(docker, context)).error ?? "", /does not download remote URLs/);
  });
});
