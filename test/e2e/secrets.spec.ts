// Secrets and configs from a file, the environment and inline content, read from inside a container brought
// up by `berth up` on an isolated berthd: where they appear, with which content, mode and owner; a file one is
// bind-mounted read-only; a missing variable fails up with compose's message.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEngine, stopEngine, type Engine } from "../integration/containers/helpers.js";
import { runBerthAsync } from "./run-berth.js";

/** For each path: mode, uid, gid, then the content. */
const show = (paths: string[]) => paths.map((p) => `echo "== ${p} $(stat -c '%a %u %g' ${p})"; cat ${p}; echo`).join("; ");

const project = (extra: object = {}) => ({
  name: "secrets",
  services: {
    reader: {
      image: "berth/host",
      network_mode: "none",
      command: ["sh", "-c", `${show(["/run/secrets/token", "/run/secrets/api_key", "/run/secrets/custom", "/etc/app.conf", "/plain"])}; echo changed > /run/secrets/token || echo token is read-only`],
      secrets: ["token", { source: "api_key", mode: 0o400 }, { source: "owned", target: "custom", uid: "1000", gid: "50", mode: "0440" }],
      configs: [{ source: "app", target: "/etc/app.conf", mode: 0o440 }, "plain"],
      ...extra,
    },
  },
  secrets: { token: { file: "./token.txt" }, api_key: { environment: "API_KEY" }, owned: { file: "./owned.txt" } },
  configs: { app: { content: "port=8080\n" }, plain: { file: "./plain.conf" } },
});

describe("secrets and configs (e2e, root)", function () {
  this.timeout(120_000);
  let engine: Engine;
  let dir: string;
  const berth = (args: string[], env: Record<string, string> = {}) => runBerthAsync(dir, ["--host", `unix://${engine.daemon.socket}`, ...args], env);

  before(async () => {
    engine = await startEngine();
    dir = mkdtempSync(join(tmpdir(), "berth-secrets-"));
    writeFileSync(join(dir, "token.txt"), "file-token\n");
    writeFileSync(join(dir, "owned.txt"), "owned-by-1000\n");
    writeFileSync(join(dir, "plain.conf"), "plain config\n");
  });
  afterEach(async () => {
    assert.equal((await berth(["down"])).status, 0);
    assert.deepEqual(await engine.docker.listContainers({ all: true }), [], "down left nothing");
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await stopEngine(engine);
  });

  it("appear at /run/secrets/<name> and their targets with the content, mode and owner asked for", async () => {
    writeFileSync(join(dir, "compose.yaml"), JSON.stringify(project()));
    const up = await berth(["up"], { API_KEY: "from-the-environment" });
    assert.equal(up.status, 0, up.stderr);
    const out = up.stdout.split("\n").map((line) => line.replace(/^reader-1 {2}\| /, "")).join("\n");
    // a file secret is the host file itself, bind-mounted: its mode and owner are the file's
    assert.match(out, /^== \/run\/secrets\/token 644 0 0\nfile-token$/m);
    assert.match(out, /^== \/run\/secrets\/api_key 400 0 0\nfrom-the-environment$/m);
    assert.match(out, /^== \/run\/secrets\/custom 440 1000 50\nowned-by-1000$/m, "uid, gid and mode on a file source: copied in");
    assert.match(out, /^== \/etc\/app\.conf 440 0 0\nport=8080$/m);
    assert.match(out, /^== \/plain 644 0 0\nplain config$/m, "a config's default target is /<name>");
    assert.match(out, /^token is read-only$/m);

    const [reader] = await engine.docker.listContainers({ all: true, filters: { label: ["com.docker.compose.project=secrets"] } });
    const { Mounts } = await engine.docker.getContainer(reader!.Id).inspect();
    assert.deepEqual(
      Mounts.map((m) => [m.Type, m.Source, m.Destination, m.RW]).sort(),
      [["bind", join(dir, "plain.conf"), "/plain", false], ["bind", join(dir, "token.txt"), "/run/secrets/token", false]],
      "only the plain file sources are bind mounts, read-only",
    );
  });

  it("an environment secret whose variable is not set fails up, naming it", async () => {
    const up = await berth(["up", "-d"]);
    assert.equal(up.status, 1, up.stderr);
    assert.match(up.stderr, /environment variable "API_KEY" required by secret "secrets_api_key" is not set/);
  });
});
