// `berth image ...` against an isolated berthd, through --host: load, ls, inspect, save, rm.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUSYBOX, busyboxArchive, startEngine, stopEngine, type Engine } from "../integration/containers/helpers.js";
import { runBerth } from "./run-berth.js";

describe("berth image (e2e, root)", function () {
  this.timeout(60_000);
  let engine: Engine;
  let dir: string;
  const berth = (...args: string[]) => runBerth(dir, ["--host", `unix://${engine.daemon.socket}`, "image", ...args]);

  before(async () => {
    engine = await startEngine();
    dir = mkdtempSync(join(tmpdir(), "berth-image-cli-"));
    writeFileSync(join(dir, "busybox.tar"), await busyboxArchive());
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await stopEngine(engine);
  });

  it("loads an archive, lists and inspects the image, saves it, and removes it", () => {
    const load = berth("load", "-i", "busybox.tar");
    assert.equal(load.status, 0, load.stderr);
    assert.equal(load.stdout, `Loaded image: ${BUSYBOX}\n`);

    const ls = berth("ls");
    assert.equal(ls.status, 0, ls.stderr);
    assert.match(ls.stdout, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/m);
    assert.match(ls.stdout, /^busybox\s+latest\s+[0-9a-f]{12}\s/m);
    assert.match(ls.stdout, /^berth\/host\s+latest\s/m, "the built-in image is listed too");

    const [inspected] = JSON.parse(berth("inspect", BUSYBOX).stdout);
    assert.deepEqual(inspected.RepoTags, [BUSYBOX]);
    assert.deepEqual(inspected.Config.Cmd, ["sh"]);

    const save = berth("save", "-o", "saved.tar", BUSYBOX);
    assert.equal(save.status, 0, save.stderr);
    assert.ok(statSync(join(dir, "saved.tar")).size > 1_000_000, "the archive holds the busybox layer");

    const rm = berth("rm", BUSYBOX);
    assert.equal(rm.status, 0, rm.stderr);
    assert.match(rm.stdout, /^Untagged: busybox:latest$/m);
    assert.doesNotMatch(berth("ls").stdout, /^busybox/m);

    const reload = berth("load", "-i", "saved.tar");
    assert.equal(reload.stdout, `Loaded image: ${BUSYBOX}\n`, "what berth saved loads again");
  });

  it("says what the engine answered when an image does not exist, with status 1", () => {
    const r = berth("inspect", "nope:1");
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^Error response from daemon: .*nope:1/);
  });
});
