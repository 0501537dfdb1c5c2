// bin/berth.js: the CLI bundle through a V8 code cache. Run on a stand-in bundle in a copy of bin/ and dist/cli/,
// so that the real build is never touched: the cache is written once per command, reused, and never applied to a
// rebuilt bundle.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

const LAUNCHER = resolve(import.meta.dirname, "../../bin/berth.js");

/** A bundle whose main prints `word` and the arguments, and exits 3; its command is the first argument. */
const bundleSaying = (word: string) =>
  `"use strict";\nlet ran = "";\nmodule.exports.ranCommand = () => ran;\n` +
  `module.exports.main = async (args) => { ran = args[0] ?? ""; process.stdout.write(${JSON.stringify(word)} + " " + args.join(",") + "\\n"); return 3; };\n`;

describe("bin/berth.js (the launcher)", function () {
  this.timeout(30_000);
  let dir: string;
  const cli = () => join(dir, "dist/cli");
  const caches = () => readdirSync(cli()).filter((name) => name.endsWith(".cache"));
  const run = (...args: string[]) => spawnSync(process.execPath, ["--", join(dir, "bin/berth.js"), ...args], { encoding: "utf8" });
  /** Replaces the bundle by rename, as scripts/bundle-cli.js does. */
  const rebuild = (text: string) => {
    writeFileSync(join(cli(), "berth.cjs.partial"), text);
    renameSync(join(cli(), "berth.cjs.partial"), join(cli(), "berth.cjs"));
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "berth-launcher-test-"));
    mkdirSync(join(dir, "bin"));
    mkdirSync(join(dir, "dist/cli"), { recursive: true });
    copyFileSync(LAUNCHER, join(dir, "bin/berth.js"));
    copyFileSync(join(dirname(LAUNCHER), "package.json"), join(dir, "bin/package.json"));
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
    rebuild(bundleSaying("one"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("runs the bundle's main with the arguments and exits with its status", () => {
    const first = run("ps", "-a");
    assert.deepEqual([first.status, first.stdout, first.stderr], [3, "one ps,-a\n", ""]);
  });

  it("writes a code cache on the first run and reuses it untouched by later runs of that command", () => {
    run("ps");
    const [cache] = caches();
    assert.ok(cache, "a cache was written");
    const written = statSync(join(cli(), cache)).mtimeMs;
    const again = run("ps", "x");
    assert.equal(again.stdout, "one ps,x\n");
    assert.deepEqual(caches(), [cache]);
    assert.equal(statSync(join(cli(), cache)).mtimeMs, written, "not rewritten");
  });

  it("writes the cache again after the first run of another command, and then no more", () => {
    run("ps");
    const [cache] = caches();
    const path = join(cli(), cache!);
    const mtimes = [statSync(path).mtimeMs];
    for (const command of ["up", "up", "ps", "down", "up"]) {
      assert.equal(run(command).stdout, `one ${command}\n`);
      mtimes.push(statSync(path).mtimeMs);
    }
    const rewrites = mtimes.slice(1).map((mtime, i) => mtime !== mtimes[i]);
    assert.deepEqual(rewrites, [true, false, false, true, false]);
    assert.deepEqual(caches(), [cache]);
  });

  it("never applies an old cache to a rebuilt bundle, even one of the same length", () => {
    run();
    const [old] = caches();
    rebuild(bundleSaying("two")); // same length as "one"
    assert.equal(statSync(join(cli(), "berth.cjs")).size, Buffer.byteLength(bundleSaying("one")));
    assert.equal(run().stdout, "two \n");
    assert.equal(caches().length, 2, "the rebuilt bundle got a cache of its own");
    assert.ok(caches().includes(old));
  });
});
