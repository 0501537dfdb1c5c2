#!/usr/bin/env -S node --
// `--`: Node would otherwise take berth's own `--env-file` option for its own (nodejs/node#54232).
// Thin launcher: runs the CLI bundle (dist/cli/berth.cjs, built by `npm install`'s prepare step; see
// scripts/bundle-cli.js) through a V8 code cache, so that start-up neither resolves and reads some 300 modules
// nor compiles them again. CommonJS (bin/package.json): an ES module entry costs Node's start ~10 ms more.
// V8 caches the functions that ran, so the cache is written at the end of the first run of each command (once it
// holds every command used, it is never written again), and afresh when there was none or V8 rejected it.
// It is named by Node's version and flags (berthd runs with others) and by the bundle file's identity: V8 checks
// a cache only against the source's length, so a rebuilt bundle of the same length must not find the old cache.
"use strict";
const { closeSync, fstatSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } = require("node:fs");
const { Module, createRequire } = require("node:module");
const { dirname, join } = require("node:path");
const { Script } = require("node:vm");

// berthd (`berth daemon`, as the CLI starts it) runs from the compiled modules instead: it starts once and then
// idles for hours, and the bundle's source and compiled code would cost it some 5 MiB of memory.
const daemon = process.argv[2] === "daemon";
(daemon ? import("../dist/cli/main.js") : Promise.resolve(loadBundle())).then(async ({ main }) => {
  const status = await main(process.argv.slice(2));
  // A command's work is done when main resolves (stdout and stderr are synchronous on Linux): exit now rather
  // than once idle keep-alive sockets have closed.
  if (daemon) process.exitCode = status;
  else process.exit(status);
});

function loadBundle() {
  const bundle = join(__dirname, "../dist/cli/berth.cjs");
  const fd = openSync(bundle); // one open file for its identity and its text, even if a rebuild replaces it
  const { ino, mtimeMs, size } = fstatSync(fd);
  const source = readFileSync(fd, "latin1"); // the bundle is ASCII (scripts/bundle-cli.js): read ~3x faster than as UTF-8
  closeSync(fd);
  const cacheFile = `${bundle}.${cacheKey(`${process.version} ${process.execArgv.join(" ")} ${ino} ${mtimeMs} ${size}`)}.cache`;
  const cachedData = readOptional(cacheFile);
  /** the commands whose runs the cache holds, one per line */
  const covered = cachedData === undefined ? [] : (readOptional(`${cacheFile}.commands`)?.toString() ?? "").split("\n");

  const script = new Script(Module.wrap(source), { filename: bundle, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  process.once("exit", () => {
    const command = module.exports.ranCommand?.() ?? "";
    const fresh = cachedData === undefined || script.cachedDataRejected;
    if (fresh || !covered.includes(command)) saveCache(cacheFile, script.createCachedData(), fresh ? [command] : [...covered, command]);
  });
  return module.exports;
}

function readOptional(path) {
  try {
    return readFileSync(path);
  } catch {
    return undefined; // none yet
  }
}

/** Writes the cache, then its command list, each by rename, so that a berth starting at the same time reads all of a file or none. */
function saveCache(cacheFile, data, commands) {
  for (const [path, content] of [[cacheFile, data], [`${cacheFile}.commands`, commands.join("\n")]]) {
    const partial = `${path}.${process.pid}`;
    try {
      writeFileSync(partial, content);
      renameSync(partial, path);
    } catch {
      rmSync(partial, { force: true }); // a read-only install runs without a cache
      return;
    }
  }
}

/** FNV-1a, in hex: a short stable name for a string. */
function cacheKey(text) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16);
}
