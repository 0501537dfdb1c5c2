import { strict as assert } from "node:assert";
import { resolvePaths } from "../../src/compose/paths.js";
import type { Dict } from "../../src/compose/parse.js";

describe("paths: relative host paths", () => {
  const resolve = (data: Dict) => resolvePaths(data, "/proj", "/home/me");
  const web = (service: Dict) => (resolve({ services: { web: service } }).services as Dict).web as Dict;

  it("resolves build contexts, but not remote ones", () => {
    assert.equal(web({ build: "./app" }).build, "/proj/app");
    assert.deepEqual(web({ build: { context: "..", additional_contexts: { a: "./a", img: "docker-image://alpine" } } }).build, {
      context: "/",
      additional_contexts: { a: "/proj/a", img: "docker-image://alpine" },
    });
    assert.deepEqual(web({ build: { context: ".", additional_contexts: ["a=../a"] } }).build, { context: "/proj", additional_contexts: ["a=/a"] });
    for (const remote of ["https://github.com/x/y.git#main", "git@github.com:x/y.git", "github.com/x/y"]) {
      assert.deepEqual(web({ build: { context: remote } }).build, { context: remote });
    }
  });

  it("resolves env_file and label_file, as one path or a list", () => {
    assert.equal(web({ env_file: ".env" }).env_file, "/proj/.env");
    assert.deepEqual(web({ env_file: ["a.env", { path: "~/b.env", required: false }] }).env_file, ["/proj/a.env", { path: "/home/me/b.env", required: false }]);
    assert.deepEqual(web({ label_file: ["../l"] }).label_file, ["/l"]);
  });

  it("resolves bind sources of short volumes, leaving named and anonymous volumes", () => {
    const volumes = ["./src:/app", "../data:/data:ro", "~/cache:/cache", "~:/home", "named:/n", "/abs:/abs", "/anonymous"];
    assert.deepEqual(web({ volumes }).volumes, ["/proj/src:/app", "/data:/data:ro", "/home/me/cache:/cache", "/home/me:/home", "named:/n", "/abs:/abs", "/anonymous"]);
  });

  it("resolves bind sources of long volumes only", () => {
    const volumes = [
      { type: "bind", source: "src", target: "/app" },
      { type: "volume", source: "data", target: "/data" },
    ];
    assert.deepEqual(web({ volumes }).volumes, [{ type: "bind", source: "/proj/src", target: "/app" }, volumes[1]]);
  });

  it("resolves extends.file and develop.watch paths", () => {
    const service = web({ extends: { file: "../common.yaml", service: "base" }, develop: { watch: [{ path: "./src", action: "sync", target: "/app" }] } });
    assert.deepEqual(service.extends, { file: "/common.yaml", service: "base" });
    assert.deepEqual(service.develop, { watch: [{ path: "/proj/src", action: "sync", target: "/app" }] });
  });

  it("resolves secret and config files, local bind volumes' devices and include paths", () => {
    const resolved = resolve({
      secrets: { s: { file: "./s.txt" }, e: { environment: "TOKEN" } },
      configs: { c: { file: "c.conf" } },
      volumes: {
        bound: { driver: "local", driver_opts: { type: "none", o: "bind", device: "./data" } },
        nfs: { driver_opts: { type: "nfs", o: "addr=10.0.0.1", device: ":/export" } },
      },
      include: ["sub/compose.yaml", { path: ["a.yaml", "b.yaml"], project_directory: "..", env_file: ".env" }],
    });
    assert.deepEqual(resolved.secrets, { s: { file: "/proj/s.txt" }, e: { environment: "TOKEN" } });
    assert.deepEqual(resolved.configs, { c: { file: "/proj/c.conf" } });
    assert.equal(((resolved.volumes as Dict).bound as any).driver_opts.device, "/proj/data");
    assert.equal(((resolved.volumes as Dict).nfs as any).driver_opts.device, ":/export");
    assert.deepEqual(resolved.include, ["/proj/sub/compose.yaml", { path: ["/proj/a.yaml", "/proj/b.yaml"], project_directory: "/", env_file: "/proj/.env" }]);
  });

  it("is idempotent and leaves its input alone", () => {
    const data = { services: { web: { build: "./app", volumes: ["./a:/a"], env_file: "x.env" } } };
    const once = resolve(data);
    assert.deepEqual(resolvePaths(once, "/elsewhere", "/home/other"), once);
    assert.deepEqual(data, { services: { web: { build: "./app", volumes: ["./a:/a"], env_file: "x.env" } } });
  });
});
