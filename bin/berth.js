#!/usr/bin/env -S node --
// `--`: Node would otherwise take berth's own `--env-file` option for its own (nodejs/node#54232).
// Thin launcher: runs the CLI bundle (dist/cli/berth.cjs, built by `npm install`'s prepare step; see
// scripts/bundle-cli.js) through a V8 code cache, so that start-up neither resolves and reads some 300 modules
// nor compiles them again. The cache is written once, at the end of the first run that had none or a rejected one.
// It is named by Node's version and flags (berthd runs with others) and by the bundle file's identity: V8 checks
// a cache only against the source's length, so a rebuilt bundle of the same length must not find the old cache.
import { closeSync, fstatSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { Module, createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";

// berthd (`berth daemon`, as the CLI starts it) runs from the compiled modules instead: it starts once and then
// idles for hours, and the bundle's source and compiled code would cost it some 5 MiB of memory.
const { main } = process.argv[2] === "daemon" ? await import("../dist/cli/main.js") : loadBundle();
process.exitCode = await main(process.argv.slice(2));

function loadBundle() {
  const bundle = fileURLToPath(new URL("../dist/cli/berth.cjs", import.meta.url));
  const fd = openSync(bundle); // one open file for its identity and its text, even if a rebuild replaces it
  const { ino, mtimeMs, size } = fstatSync(fd);
  const source = readFileSync(fd, "utf8");
  closeSync(fd);
  const cacheFile = `${bundle}.${cacheKey(`${process.version} ${process.execArgv.join(" ")} ${ino} ${mtimeMs} ${size}`)}.cache`;

  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // no cache yet
  }
  const script = new Script(Module.wrap(source), { filename: bundle, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) process.once("exit", () => saveCache(cacheFile, script.createCachedData()));

  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  return module.exports;
}

/** Writes the cache by rename, so that a berth starting at the same time reads all of it or none. */
function saveCache(cacheFile, data) {
  const partial = `${cacheFile}.${process.pid}`;
  try {
    writeFileSync(partial, data);
    renameSync(partial, cacheFile);
  } catch {
    rmSync(partial, { force: true }); // a read-only install runs without a cache
  }
}

/** FNV-1a, in hex: a short stable name for a string. */
function cacheKey(text) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16);
}
