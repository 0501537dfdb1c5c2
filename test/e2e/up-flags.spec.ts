// Foreground `berth up`'s flags against an isolated berthd, with Compose's semantics: which output is shown
// (--attach, --no-attach, --timestamps), when everything is stopped (--abort-on-container-exit / -failure) and
// what the exit status is (--exit-code-from); nothing of the project is left after down.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEngine, stopEngine, type Engine } from "../integration/containers/helpers.js";
import { runBerthAsync } from "./run-berth.js";

/** Runs until SIGTERM, then exits with `status` (so a graceful stop shows in the exit code). */
const server = (status: number) => ({ image: "berth/host", network_mode: "none", command: ["sh", "-c", `echo serving; trap 'exit ${status}' TERM; sleep 1000 & wait`] });
const job = (script: string) => ({ image: "berth/host", network_mode: "none", command: ["sh", "-c", script] });

describe("berth up's foreground flags (e2e, root)", function () {
  this.timeout(120_000);
  let engine: Engine;
  let dir: string;
  const berth = (args: string[]) => runBerthAsync(dir, ["--host", `unix://${engine.daemon.socket}`, ...args]);
  const write = (services: object) => writeFileSync(join(dir, "compose.yaml"), JSON.stringify({ name: "flags", services }));
  const state = async (name: string) => (await engine.docker.getContainer(name).inspect()).State;
  const downAndCheck = async () => {
    assert.equal((await berth(["down"])).status, 0);
    assert.deepEqual(await engine.docker.listContainers({ all: true, filters: { label: ["com.docker.compose.project=flags"] } }), []);
  };

  before(async () => {
    engine = await startEngine();
    dir = mkdtempSync(join(tmpdir(), "berth-up-flags-"));
  });
  afterEach(downAndCheck);
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await stopEngine(engine);
  });

  it("--abort-on-container-exit stops the rest gracefully at the first exit, and exits with that container's status", async () => {
    write({ quick: job("echo done; exit 3"), web: server(0) });
    const up = await berth(["up", "--abort-on-container-exit"]);
    assert.equal(up.status, 3, up.stderr);
    assert.match(up.stderr, /Aborting on container exit\.\.\.\n/);
    assert.match(up.stdout, /^quick-1 {2}\| done$/m);
    const web = await state("flags-web-1");
    assert.deepEqual([web.Status, web.ExitCode], ["exited", 0], "web was stopped with SIGTERM (its trap exited 0), not killed");
  });

  it("--exit-code-from SERVICE takes that service's status, even when the abort stopped it", async () => {
    write({ quick: job("exit 3"), web: server(5) });
    const up = await berth(["up", "--exit-code-from", "web"]);
    assert.equal(up.status, 5, up.stderr);
    assert.match(up.stderr, /Aborting on container exit\.\.\./);
    assert.equal((await state("flags-web-1")).ExitCode, 5);
  });

  it("--exit-code-from a service that ends by itself first: its own status", async () => {
    write({ quick: job("exit 6"), web: server(0) });
    const up = await berth(["up", "--exit-code-from", "quick"]);
    assert.equal(up.status, 6, up.stderr);
    assert.equal((await state("flags-web-1")).Status, "exited");
  });

  it("--abort-on-container-failure goes on past a zero exit and aborts at the first failure, with its status", async () => {
    write({
      setup: job("echo ready"),
      failing: { ...job("exit 4"), depends_on: { setup: { condition: "service_completed_successfully" } } },
      web: server(0),
    });
    const up = await berth(["up", "--abort-on-container-failure"]);
    assert.equal(up.status, 4, up.stderr);
    assert.match(up.stdout, /^setup-1 exited with code 0$/m);
    assert.match(up.stdout, /^failing-1 exited with code 4$/m);
    assert.equal((await state("flags-web-1")).Status, "exited");
  });

  it("without an abort flag, up waits for every container and exits 0 whatever their statuses", async () => {
    write({ one: job("exit 2"), two: job("echo two") });
    const up = await berth(["up"]);
    assert.equal(up.status, 0, up.stderr);
    assert.match(up.stdout, /^one-1 exited with code 2$/m);
    assert.match(up.stdout, /^two-1 exited with code 0$/m);
  });

  it("--no-attach hides a service's output, --attach shows only the named ones", async () => {
    write({ loud: job("echo from-loud"), quiet: job("echo from-quiet"), third: job("echo from-third") });
    const hidden = await berth(["up", "--no-attach", "loud"]);
    assert.equal(hidden.status, 0, hidden.stderr);
    assert.match(hidden.stdout, /^Attaching to quiet-1, third-1\n/);
    assert.doesNotMatch(hidden.stdout, /from-loud|loud-1/);
    assert.match(hidden.stdout, /^quiet-1 {2}\| from-quiet$/m);

    const only = await berth(["up", "--force-recreate", "--attach", "third"]);
    assert.equal(only.status, 0, only.stderr);
    assert.match(only.stdout, /^Attaching to third-1\n/);
    assert.match(only.stdout, /^third-1 {2}\| from-third$/m);
    assert.doesNotMatch(only.stdout, /from-loud|from-quiet/);
  });

  it("--timestamps puts the time each line was written after the prefix", async () => {
    write({ hello: job("echo hi") });
    const up = await berth(["up", "--timestamps"]);
    assert.equal(up.status, 0, up.stderr);
    const [, stamp] = /^hello-1 {2}\| (\S+) hi$/m.exec(up.stdout) ?? [];
    assert.ok(stamp && !Number.isNaN(Date.parse(stamp)), `no timestamp in:\n${up.stdout}`);
  });

  it("rejects Compose's incompatible combinations and unknown services, creating nothing", async () => {
    write({ hello: job("echo hi") });
    const cases: [string[], RegExp][] = [
      [["up", "-d", "--abort-on-container-exit"], /-d cannot be combined with --abort-on-container-exit/],
      [["up", "--wait", "--attach", "hello"], /--wait cannot be combined with/],
      [["up", "--abort-on-container-exit", "--abort-on-container-failure"], /--abort-on-container-failure cannot be combined with --abort-on-container-exit/],
      [["up", "--exit-code-from", "nosuch"], /no such service: nosuch/],
      [["up", "--no-attach", "nosuch"], /no such service: nosuch/],
    ];
    for (const [args, message] of cases) {
      const up = await berth(args);
      assert.equal(up.status, 1, `${args.join(" ")}: ${up.stderr}`);
      assert.match(up.stderr, message);
    }
    assert.deepEqual(await engine.docker.listContainers({ all: true }), []);
  });
});
