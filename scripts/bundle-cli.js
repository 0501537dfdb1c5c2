// Bundles the compiled CLI (dist/cli/main.js and everything it imports) into one CommonJS file,
// dist/cli/berth.cjs, that bin/berth.js runs through a V8 code cache. Node 20 resolves, reads and compiles each of
// the CLI's ~300 ES modules at every start (about half of `berth ps`'s time); one file with cached code does not.
// The bundle sits beside main.js so that the paths the modules compute from their own location still hold.
import { readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { build } from "esbuild";

const root = new URL("../", import.meta.url);
const outfile = new URL("dist/cli/berth.cjs", root).pathname;

// Dependencies' modules the bundle takes in another form, by resolved path; each function gives the new source.
const fromDockerode = createRequire(createRequire(import.meta.url).resolve("dockerode"));
const replaced = new Map([
  // Modules berth never uses that dockerode loads at its top level: docker-modem's ssh:// transport (ssh2) and
  // dockerode's BuildKit session (grpc), ~100 ms each.
  [fromDockerode.resolve("docker-modem/lib/ssh.js"), () => loadedOnFirstCall("docker-modem/lib/ssh.js")],
  [fromDockerode.resolve("./session.js"), () => loadedOnFirstCall("./session.js")],
  // docker-modem formats every request's options with util.inspect (showHidden, unlimited depth) for its debug log
  // even when that log is off: some milliseconds per request at start-up. Formatted only when DEBUG enables it.
  [fromDockerode.resolve("docker-modem/lib/modem.js"), (path) => edited(path, "debug('Sending: %s', util.inspect(", "if (debug.enabled) debug('Sending: %s', util.inspect(")],
  // Its HTTP wrapper loads https (and tls) at once: ~4 ms of every start, for an engine berth reaches over a unix
  // socket or plain HTTP. Loaded on first use instead.
  [fromDockerode.resolve("docker-modem/lib/http.js"), (path) => edited(path, "var nativeHttps = require('https'),", "var nativeHttps = new Proxy({}, { get: (_, key) => require('https')[key] }),")],
]);

/**
 * A stand-in of the same shape as the module (both deferred ones export one function) that loads the real one, left
 * outside the bundle, on its first call. It resolves from dockerode, as the module does.
 */
function loadedOnFirstCall(specifier) {
  // A variable, not a literal, so that esbuild leaves the resolution to run time.
  return `const dockerode = "dockerode";\nlet real;\nmodule.exports = function (...args) {\n` +
    `  real ??= require("node:module").createRequire(require.resolve(dockerode))(${JSON.stringify(specifier)});\n` +
    `  return real.apply(this, args);\n};\n`;
}

/** The module's source with `from` made `to`; checked, so that an upgrade that moves the code fails the build. */
function edited(path, from, to) {
  const source = readFileSync(path, "utf8");
  if (!source.includes(from)) throw new Error(`${path}: no "${from}" to edit: update scripts/bundle-cli.js`);
  return source.replace(from, to);
}

const replaceModules = {
  name: "replace-modules",
  setup(bundler) {
    bundler.onLoad({ filter: /\.js$/ }, ({ path }) => {
      const source = replaced.get(path);
      return source === undefined ? undefined : { contents: source(path), loader: "js" };
    });
  },
};

const { outputFiles, metafile } = await build({
  entryPoints: [new URL("dist/cli/main.js", root).pathname],
  outfile,
  write: false, // written below by rename, so that a berth starting meanwhile reads the old bundle or the new one
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  // netlink finds its prebuilt addon from its own directory; protobufjs serves only dockerode's BuildKit
  // progress decoder, which berth never calls: left out, it stays unread.
  external: ["*.node", "netlink", "protobufjs"],
  plugins: [replaceModules],
  // ES modules locate files from import.meta; in the bundle that is the bundle's own location.
  define: { "import.meta.url": "bundleUrl", "import.meta.dirname": "__dirname" },
  inject: [new URL("bundle-import-meta.js", import.meta.url).pathname],
  // Less text to read and hash at every start (~10 ms); names stay, for stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: "warning",
  metafile: process.env.BUNDLE_SIZES !== undefined,
});
// bin/berth.js reads the bundle as Latin-1, faster than UTF-8: it must be ASCII (esbuild escapes all but regular
// expression literals).
const nonAscii = outputFiles[0].text.search(/[^\x00-\x7f]/);
if (nonAscii >= 0) throw new Error(`the CLI bundle has a non-ASCII character: ${JSON.stringify(outputFiles[0].text.slice(nonAscii - 40, nonAscii + 10))}`);
writeFileSync(`${outfile}.partial`, outputFiles[0].contents);
renameSync(`${outfile}.partial`, outfile);
if (metafile) console.log(JSON.stringify(metafile));

// Code caches of the previous bundle (bin/berth.js would find them stale and write new ones anyway).
for (const name of readdirSync(new URL("dist/cli/", root))) if (/^berth\.cjs\..*\.cache(\.commands)?$/.test(name)) rmSync(new URL(`dist/cli/${name}`, root));
