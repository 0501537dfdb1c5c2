import { strict as assert } from "node:assert";
import { UserError } from "../../src/compose/errors.js";
import { resolveExtends } from "../../src/compose/extends.js";
import { parseCompose, type Dict, type ParsedFile } from "../../src/compose/parse.js";

describe("extends", () => {
  /** Files by absolute path; `load` parses them as the loader's cache would, once each. */
  const project = (files: Record<string, string>) => {
    const loaded = new Map<string, ParsedFile>();
    const load = (path: string): ParsedFile => {
      if (!(path in files)) throw new UserError(`compose file not found: ${path}`);
      if (!loaded.has(path)) loaded.set(path, parseCompose(path, files[path]!)[0]!);
      return loaded.get(path)!;
    };
    const resolve = (path: string): Dict => {
      const file = parseCompose(path, files[path]!)[0]!;
      resolveExtends(file, load, "/home/me");
      return file.data.services as Dict;
    };
    return { resolve };
  };

  it("merges the service over a copy of the one it extends in the same file", () => {
    const services = project({
      "/p/compose.yaml": "services:\n  common: {image: busybox, environment: {TZ: utc, PORT: 80}}\n  cli: {extends: common, environment: [PORT=8080]}\n",
    }).resolve("/p/compose.yaml");
    assert.deepEqual(services.cli, { image: "busybox", environment: { TZ: "utc", PORT: "8080" } });
    assert.deepEqual(services.common, { image: "busybox", environment: { TZ: "utc", PORT: 80 } });
  });

  it("resolves a chain of extends, base first", () => {
    const services = project({
      "/p/compose.yaml": "services:\n  base: {image: busybox, user: root}\n  common: {extends: {service: base}, image: alpine}\n  cli: {extends: {service: common}}\n",
    }).resolve("/p/compose.yaml");
    assert.deepEqual(services.cli, { image: "alpine", user: "root" });
  });

  it("takes a base from another file, its relative paths resolved against that file's directory", () => {
    const services = project({
      "/p/compose.yaml": "services:\n  web:\n    extends: {file: ../lib/common.yaml, service: app}\n    volumes: ['./local:/data']\n",
      "/lib/common.yaml": "services:\n  app:\n    build: ./app\n    env_file: app.env\n    volumes: ['./shared:/data', './conf:/conf']\n",
    }).resolve("/p/compose.yaml");
    assert.deepEqual(services.web, { build: "/lib/app", env_file: "/lib/app.env", volumes: ["./local:/data", "/lib/conf:/conf"] });
  });

  it("follows extends inside the other file, relative to that file", () => {
    const services = project({
      "/p/compose.yaml": "services:\n  web: {extends: {file: lib/a.yaml, service: a}}\n",
      "/p/lib/a.yaml": "services:\n  a: {extends: {file: b/b.yaml, service: b}, image: a}\n",
      "/p/lib/b/b.yaml": "services:\n  b: {image: b, env_file: b.env}\n",
    }).resolve("/p/compose.yaml");
    assert.deepEqual(services.web, { image: "a", env_file: "/p/lib/b/b.env" });
  });

  it("honours the extending service's !reset and !override", () => {
    const services = project({
      "/p/compose.yaml": [
        "services:",
        "  base: {image: busybox, ports: ['80:80'], environment: {A: '1', B: '2'}, dns: [1.1.1.1]}",
        "  web:",
        "    extends: base",
        "    ports: !reset []",
        "    environment: {A: !reset null}",
        "    dns: !override [9.9.9.9]",
      ].join("\n"),
    }).resolve("/p/compose.yaml");
    assert.deepEqual(services.web, { image: "busybox", environment: { B: "2" }, dns: ["9.9.9.9"] });
  });

  it("reports an unknown base service where extends names it", () => {
    const files = { "/p/compose.yaml": "services:\n  web:\n    extends: {file: common.yaml, service: base}\n", "/p/common.yaml": "services:\n  other: {image: x}\n" };
    assert.throws(() => project(files).resolve("/p/compose.yaml"), {
      message: '/p/compose.yaml:3:34: services.web.extends.service: service "base" not found in common.yaml',
    });
  });

  it("reports a missing file where extends names it", () => {
    const files = { "/p/compose.yaml": "services:\n  web:\n    extends: {file: gone.yaml, service: base}\n" };
    assert.throws(() => project(files).resolve("/p/compose.yaml"), { message: "/p/compose.yaml:3:15: services.web.extends.file: compose file not found: /p/gone.yaml" });
  });

  it("reports a loop, naming every service on it in order", () => {
    const files = { "/p/compose.yaml": "services:\n  web: {extends: base}\n  base: {extends: mid}\n  mid: {extends: web}\n" };
    assert.throws(() => project(files).resolve("/p/compose.yaml"), { message: "/p/compose.yaml:4:9: services.mid.extends: extends loop: web -> base -> mid -> web" });
  });

  it("names the files of a loop across files", () => {
    const files = {
      "/p/compose.yaml": "services:\n  web: {extends: {file: lib/common.yaml, service: base}}\n",
      "/p/lib/common.yaml": "services:\n  base: {extends: {file: ../compose.yaml, service: web}}\n",
    };
    assert.throws(() => project(files).resolve("/p/compose.yaml"), { message: /services\.base\.extends: extends loop: web -> base \(lib\/common\.yaml\) -> web$/ });
  });
});
