// `berth build` on a compose project, against an isolated berthd: build sections with context, dockerfile,
// dockerfile_inline, args, target, labels and tags.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import { buildCommand } from "../../../src/cli/build.js";
import { BUSYBOX, demux, useEngine, type Engine } from "../containers/helpers.js";

describe("build: berth build on a compose project (integration, root)", function () {
  this.timeout(120_000);
  let engine: Engine;
  let docker: Docker;
  let dir: string;
  useEngine((e) => {
    engine = e;
    docker = e.docker;
  });
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "berth-build-project-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function output(image: string): Promise<string> {
    const c = await docker.createContainer({ Image: image });
    await c.start();
    assert.equal((await c.wait()).StatusCode, 0);
    const { stdout } = await demux(docker, (await c.logs({ stdout: true, stderr: true, follow: true })) as unknown as NodeJS.ReadableStream);
    await c.remove();
    return stdout;
  }

  it("builds each service with a build section, tagged with its image name and build.tags", async () => {
    mkdirSync(join(dir, "app"));
    writeFileSync(join(dir, "app", "app.Dockerfile"), [`FROM ${BUSYBOX} AS base`, "ARG WHAT", 'RUN echo "$WHAT" > /what', "FROM base AS extra", "RUN exit 1"].join("\n"));
    writeFileSync(
      join(dir, "compose.yaml"),
      [
        "name: buildproj",
        "services:",
        "  app:",
        "    build:",
        "      context: ./app",
        "      dockerfile: app.Dockerfile",
        "      target: base",
        "      args: { WHAT: from-compose }",
        "      labels: { com.example.kind: app }",
        "      tags: [example.test/app:v1]",
        "    command: cat /what",
        "  inline:",
        "    image: inline-image:dev",
        "    build:",
        "      context: .",
        "      dockerfile_inline: |",
        `        FROM ${BUSYBOX}`,
        "        CMD [\"echo\", \"inline\"]",
        "  plain:",
        `    image: ${BUSYBOX}`,
      ].join("\n"),
    );
    await buildCommand({ file: [join(dir, "compose.yaml")], envFile: [], profile: [], host: `unix://${engine.daemon.socket}` }, [], { buildArg: [], quiet: true });
    const app = await docker.getImage("buildproj-app").inspect();
    assert.equal((await docker.getImage("example.test/app:v1").inspect()).Id, app.Id);
    assert.equal(app.Config.Labels["com.example.kind"], "app");
    const c = await docker.createContainer({ Image: "buildproj-app", Cmd: ["cat", "/what"] });
    await c.start();
    assert.equal((await c.wait()).StatusCode, 0);
    assert.match(String(await c.logs({ stdout: true })), /from-compose/);
    await c.remove();
    assert.equal(await output("inline-image:dev"), "inline\n");
  });
});
