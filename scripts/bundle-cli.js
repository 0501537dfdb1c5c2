// Bundles the compiled CLI (dist/cli/main.js and everything it imports) into one CommonJS file,
// dist/cli/berth.cjs, that bin/berth.js runs through a V8 code cache. Node 20 resolves, reads and compiles each of
// the CLI's ~300 ES modules at every start (about half of `berth ps`'s time); one file with cached code does not.
// The bundle sits beside main.js so that the paths the modules compute from their own location still hold.
import { readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { build } from "esbuild";

const root = new URL("../", import.meta.url);
const outfile = new URL("dist/cli/berth.cjs", root).pathname;

// Modules berth never uses that dockerode loads at its top level: docker-modem's ssh:// transport (ssh2) and
// dockerode's BuildKit session (grpc), ~100 ms each. Each becomes a stand-in of the same shape (both export one
// function) that loads the real module, left outside the bundle, on its first call. Both resolve from dockerode.
const fromDockerode = createRequire(createRequire(import.meta.url).resolve("dockerode"));
const deferred = new Map([
  [fromDockerode.resolve("docker-modem/lib/ssh.js"), "docker-modem/lib/ssh.js"],
  [fromDockerode.resolve("./session.js"), "./session.js"],
]);
const deferUnused = {
  name: "defer-unused",
  setup(bundler) {
    bundler.onLoad({ filter: /\.js$/ }, ({ path }) => {
      const specifier = deferred.get(path);
      if (specifier === undefined) return undefined;
      // A variable, not a literal, so that esbuild leaves the resolution to run time.
      const contents = `const dockerode = "dockerode";\nlet real;\nmodule.exports = function (...args) {\n` +
        `  real ??= require("node:module").createRequire(require.resolve(dockerode))(${JSON.stringify(specifier)});\n` +
        `  return real.apply(this, args);\n};\n`;
      return { contents, loader: "js" };
    });
  },
};

// Edits to docker-modem's source, each checked, so that an upgrade that moves the code fails the build:
//  - it formats every request's options with util.inspect (showHidden, unlimited depth) for its debug log even
//    when that log is off: some milliseconds per request at start-up. Formatted only when DEBUG enables it.
//  - its HTTP wrapper loads https (and tls) at once: ~4 ms of every start, for an engine berth reaches over a unix
//    socket or plain HTTP. Loaded on first use instead.
const edits = new Map([
  [fromDockerode.resolve("docker-modem/lib/modem.js"), [["debug('Sending: %s', util.inspect(", "if (debug.enabled) debug('Sending: %s', util.inspect("]]],
  [fromDockerode.resolve("docker-modem/lib/http.js"), [["var nativeHttps = require('https'),", "var nativeHttps = new Proxy({}, { get: (_, key) => require('https')[key] }),"]]],
]);
const editDependencies = {
  name: "edit-dependencies",
  setup(bundler) {
    bundler.onLoad({ filter: /\.js$/ }, ({ path }) => {
      const changes = edits.get(path);
      if (changes === undefined) return undefined;
      let contents = readFileSync(path, "utf8");
      for (const [from, to] of changes) {
        if (!contents.includes(from)) throw new Error(`${path}: no "${from}" to edit: update scripts/bundle-cli.js`);
        contents = contents.replace(from, to);
      }
      return { contents, loader: "js" };
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
  plugins: [deferUnused, editDependencies],
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
