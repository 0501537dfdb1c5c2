#!/usr/bin/env -S node --
// `--`: Node would otherwise take berth's own `--env-file` option for its own (nodejs/node#54232).
// Thin launcher: the CLI is compiled to dist/ by `npm install` (prepare) so start-up never pays for a TS compiler.
import { createRequire, Module } from "node:module";

// dockerode loads what berth never uses at its top level: docker-modem's ssh:// transport (ssh2, ~100 ms) and
// dockerode's BuildKit session (grpc, ~100 ms). Each is pre-registered in require's cache as a stand-in of the
// same shape (both export one function) that loads the real module on its first call, so start-up skips them.
const require = createRequire(createRequire(import.meta.url).resolve("dockerode"));
for (const path of [require.resolve("docker-modem/lib/ssh.js"), require.resolve("./session.js")]) {
  let real;
  const standIn = new Module(path);
  standIn.filename = path;
  standIn.loaded = true;
  standIn.exports = function (...args) {
    if (!real) {
      delete require.cache[path];
      real = require(path);
    }
    return real.apply(this, args);
  };
  require.cache[path] = standIn;
}

const { main } = await import("../dist/cli/main.js");
process.exitCode = await main(process.argv.slice(2));
