// `--progress` end to end: up and down against an isolated berthd report their progress as JSON lines, as
// plain lines (the default off a terminal) or not at all, and leave nothing behind.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEngine, stopEngine, type Engine } from "../integration/containers/helpers.js";
import { berthOk } from "./run-berth.js";

describe("berth --progress (e2e, root)", function () {
  this.timeout(120_000);
  let engine: Engine;
  let dir: string;
  const ok = (args: string[]) => berthOk(dir, engine.daemon.socket, args);
  const projectLabel = { label: ["com.docker.compose.project=prog"] };

  before(async () => {
    engine = await startEngine();
    dir = mkdtempSync(join(tmpdir(), "berth-progress-"));
    const command = ["sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"];
    writeFileSync(join(dir, "compose.yaml"), JSON.stringify({ name: "prog", services: { web: { image: "berth/host", network_mode: "none", command } } }));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await stopEngine(engine);
  });

  it("json: one object per event and line, ending with the container started", () => {
    const events = ok(["--progress", "json", "up", "-d"]).stderr.trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(events.at(-1), { resource: "Container prog-web-1", text: "Started", status: "done" });
    assert.ok(events.every((e) => typeof e.resource === "string" && ["working", "done", "warning", "error"].includes(e.status)), JSON.stringify(events));
  });

  it("plain is the default off a terminal: a line per event", () => {
    const again = ok(["up", "-d", "--force-recreate"]);
    assert.match(again.stderr, /^Container prog-web-1 {2}Recreate\n/m);
    assert.match(again.stderr, /^Container prog-web-1 {2}Started\n/m);
    assert.doesNotMatch(again.stderr, /\x1b/, "no terminal codes in a log");
  });

  it("quiet: down prints nothing and leaves nothing", async () => {
    assert.equal(ok(["--progress", "quiet", "down"]).stderr, "");
    assert.deepEqual(await engine.docker.listContainers({ all: true, filters: projectLabel }), []);
    assert.deepEqual(await engine.docker.listNetworks({ filters: projectLabel }), []);
  });
});
