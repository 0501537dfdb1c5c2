// The CLI as a user runs it: help, version, standard input, -o, README's main example, a huge file.
import { strict as assert } from "node:assert";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pidFile } from "../../src/engine/config.js";
import { inTestHost, removeRoot, tempRoot, waitGone } from "../integration/engine/berthd.js";
import { root, runBerth } from "./run-berth.js";

describe("berth CLI", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "berth-cli-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("prints its version and help", () => {
    const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    const v = runBerth(dir, ["--version"]);
    assert.equal(v.status, 0);
    assert.equal(v.stdout.trim(), version);
    const help = runBerth(dir, ["--help"]);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /config/);
    assert.match(help.stdout, /--project-directory/);
  });

  it("rejects an unknown command with status 1 and no stack trace", () => {
    const r = runBerth(dir, ["frobnicate"]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /unknown command 'frobnicate'/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it("reads a compose file from standard input with -f -", () => {
    const r = runBerth(dir, ["-p", "piped", "-f", "-", "config", "--services"], {}, "services:\n  one: {image: a}\n  two: {image: b}\n");
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "one\ntwo\n");
  });

  it("writes the output to a file with -o", () => {
    writeFileSync(join(dir, "compose.yaml"), "services:\n  web:\n    image: nginx\n");
    const out = join(dir, "out.json");
    const r = runBerth(dir, ["-p", "demo", "config", "--format", "json", "-o", out]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "");
    assert.equal(JSON.parse(readFileSync(out, "utf8")).services.web.image, "nginx");
  });

  it("refuses a 50 MB compose file at once, naming the file", () => {
    const file = join(dir, "compose.yaml");
    writeFileSync(file, "services:\n" + "# padding padding padding padding padding padding padding padding\n".repeat(800_000));
    const mib = (statSync(file).size / 1024 / 1024).toFixed(1);
    assert.ok(Number(mib) >= 50);
    const r = runBerth(dir, ["config"]);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `${file}:1:1: file is ${mib} MiB, over the 16.0 MiB limit for a compose file\n`);
  });

  it("runs README's main example word for word: the web stack comes up healthy, answers, and goes away", async function () {
    this.timeout(180_000);
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const commands = [...readme.matchAll(/```sh\n(.*)\n```/g)].map((m) => m[1]!);
    assert.equal(commands.length, 2, "README has exactly two set-up commands");
    assert.equal(commands[1], "npm install && npm test", "the test command is what .ci/run runs");
    assert.match(readFileSync(join(root, ".ci/run"), "utf8"), /^npm install && npm test$/m);
    const example = commands[0]!.replace(/^npm install && npx berth /, "");
    assert.notEqual(example, commands[0], "the example command is `npm install && npx berth ...`");
    // Its own root, so the daemon it starts runs in a throwaway host namespace, with nothing shared with the machine.
    const berthRoot = tempRoot();
    try {
      const up = runBerth(root, example.split(" "), { BERTH_ROOT: berthRoot });
      assert.equal(up.status, 0, up.stderr);
      const get = (url: string) => inTestHost(berthRoot, process.execPath, "-e", `fetch("${url}").then(async (r) => console.log(r.status, await r.text()))`);
      assert.equal(get("http://127.0.0.1:8081/visits"), '200 {"visits":1}\n\n');
      assert.equal(get("http://127.0.0.1:8081/visits"), '200 {"visits":2}\n\n', "the API keeps its count in the store");
      assert.match(get("http://127.0.0.1:8080/"), /^200 [^]*Hello from berth/);
      const down = runBerth(root, ["-p", "web", "down", "-v"], { BERTH_ROOT: berthRoot });
      assert.equal(down.status, 0, down.stderr);
      const left = runBerth(root, ["-p", "web", "ps", "-a", "-q"], { BERTH_ROOT: berthRoot });
      assert.equal(left.stdout, "", "no container of the stack is left");
    } finally {
      if (existsSync(pidFile(berthRoot))) {
        const pid = Number(readFileSync(pidFile(berthRoot), "utf8"));
        process.kill(pid, "SIGTERM");
        await waitGone(pid);
      }
      removeRoot(berthRoot);
    }
  });

  it("prints the dependency graph as Mermaid and as DOT, optionally for some services only", () => {
    writeFileSync(join(dir, "compose.yaml"), "services:\n  web: {image: w, depends_on: {api: {condition: service_healthy}}}\n  api: {image: a, depends_on: [db]}\n  db: {image: d}\n  tool: {image: t}\n");
    const mermaid = runBerth(dir, ["-p", "g", "graph"]);
    assert.equal(mermaid.status, 0, mermaid.stderr);
    assert.match(mermaid.stdout, /^flowchart TD\n/);
    assert.match(mermaid.stdout, /-->\|service_healthy\|/);
    const dot = runBerth(dir, ["-p", "g", "graph", "--format", "dot", "api"]);
    assert.equal(dot.status, 0, dot.stderr);
    assert.match(dot.stdout, /^digraph /);
    assert.match(dot.stdout, /"api" -> "db"/);
    assert.doesNotMatch(dot.stdout, /"web"|"tool"/, "only api and what it depends on");
  });

  it("warns on standard error, once each, and still succeeds", () => {
    const file = join(dir, "compose.yaml");
    writeFileSync(file, 'version: "3.8"\nservices:\n  a:\n    image: "x:${TAG}"\n    environment:\n      - A=${TAG}\n');
    const r = runBerth(dir, ["-p", "w", "config", "--services"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "a\n");
    assert.equal(
      r.stderr,
      [
        `WARN ${file}:4:12: services.a.image: the "TAG" variable is not set, defaulting to a blank string`,
        `WARN ${file}:6:9: services.a.environment[0]: the "TAG" variable is not set, defaulting to a blank string`,
        `WARN ${file}:1:1: version: the attribute \`version\` is obsolete and ignored; remove it`,
        "",
      ].join("\n"),
    );
  });
});
