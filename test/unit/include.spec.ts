import { strict as assert } from "node:assert";
import { dirname } from "node:path";
import { resolveInclude, type IncludeRequest } from "../../src/compose/include.js";
import { UserError } from "../../src/compose/errors.js";
import { mergeFile } from "../../src/compose/merge.js";
import { parseCompose, type Dict } from "../../src/compose/parse.js";
import { resolvePaths } from "../../src/compose/paths.js";

describe("include", () => {
  /** Loads files by absolute path the way the loader does: includes first, then merge, then paths. */
  const loader = (files: Record<string, string>) => {
    const requests: IncludeRequest[] = [];
    const loadModel = (paths: string[], projectDir: string, chain: readonly string[]): Dict => {
      let merged: Dict = {};
      for (const path of paths) {
        if (!(path in files)) throw new UserError(`compose file not found: ${path}`);
        const file = parseCompose(path, files[path]!)[0]!;
        merged = mergeFile(merged, { ...file, data: resolveInclude(file, { projectDir, chain }, loadIncluded) });
      }
      return resolvePaths(merged, projectDir, "/home/me");
    };
    const loadIncluded = (request: IncludeRequest) => {
      requests.push(request);
      return loadModel(request.paths, request.projectDir, request.chain);
    };
    return { load: (path: string) => loadModel([path], dirname(path), []), requests };
  };

  it("copies the resources of an included project, its paths resolved against its own directory", () => {
    const { load, requests } = loader({
      "/p/compose.yaml": "include: [db/compose.yaml]\nname: app\nservices:\n  web: {image: web, depends_on: [db]}\n",
      "/p/db/compose.yaml": "services:\n  db: {image: postgres, volumes: ['./data:/var/lib/postgresql']}\nvolumes: {cache: {}}\nnetworks: {back: {}}\nname: ignored\n",
    });
    const model = load("/p/compose.yaml");
    assert.deepEqual(model.services, {
      db: { image: "postgres", volumes: ["/p/db/data:/var/lib/postgresql"] },
      web: { image: "web", depends_on: ["db"] },
    });
    assert.deepEqual([model.volumes, model.networks, model.name, model.include], [{ cache: {} }, { back: {} }, "app", undefined]);
    assert.deepEqual(requests, [{ paths: ["/p/db/compose.yaml"], projectDir: "/p/db", envFiles: [], chain: ["/p/compose.yaml"] }]);
  });

  it("reads the long syntax relative to the including project's directory", () => {
    const { load, requests } = loader({
      "/p/compose.yaml": "include:\n  - path: [lib/a.yaml, lib/a.override.yaml]\n    project_directory: ..\n    env_file: [lib/.env, /etc/x.env]\n",
      "/p/lib/a.yaml": "services:\n  a: {image: a, build: ./src}\n",
      "/p/lib/a.override.yaml": "services:\n  a: {image: a2}\n",
    });
    assert.deepEqual(load("/p/compose.yaml").services, { a: { image: "a2", build: "/src" } });
    assert.deepEqual(requests[0], {
      paths: ["/p/lib/a.yaml", "/p/lib/a.override.yaml"],
      projectDir: "/",
      envFiles: ["/p/lib/.env", "/etc/x.env"],
      chain: ["/p/compose.yaml"],
    });
  });

  it("refuses a resource defined both by the including file and an include, at the including definition", () => {
    const { load } = loader({
      "/p/compose.yaml": "include: [db.yaml]\nservices:\n  db:\n    ports: ['5432:5432']\n",
      "/p/db.yaml": "services:\n  db: {image: postgres}\n",
    });
    assert.throws(() => load("/p/compose.yaml"), {
      message: `/p/compose.yaml:3:3: services.db: conflicts with the service "db" included from db.yaml (to change it, add an override file to that include's path list)`,
    });
  });

  it("accepts an including definition identical to the included one", () => {
    const { load } = loader({
      "/p/compose.yaml": "include: [db.yaml]\nservices:\n  db: {image: postgres}\n",
      "/p/db.yaml": "services:\n  db: {image: postgres}\n",
    });
    assert.deepEqual(load("/p/compose.yaml").services, { db: { image: "postgres" } });
  });

  it("reports an include file that cannot be read where the include names it", () => {
    const { load } = loader({ "/p/compose.yaml": "include:\n  - gone.yaml\n" });
    assert.throws(() => load("/p/compose.yaml"), { message: "/p/compose.yaml:2:5: include[0]: compose file not found: /p/gone.yaml" });
  });

  it("accepts one file included along two paths", () => {
    const { load } = loader({
      "/p/compose.yaml": "include: [a/compose.yaml, b/compose.yaml]\n",
      "/p/a/compose.yaml": "include: [../shared.yaml]\nservices:\n  a: {image: a}\n",
      "/p/b/compose.yaml": "include: [../shared.yaml]\nservices:\n  b: {image: b}\n",
      "/p/shared.yaml": "services:\n  dep: {image: dep, env_file: dep.env}\n",
    });
    assert.deepEqual(Object.keys(load("/p/compose.yaml").services as Dict), ["dep", "a", "b"]);
  });

  it("refuses two includes defining one resource differently, naming both", () => {
    const { load } = loader({
      "/p/compose.yaml": "include:\n  - a.yaml\n  - b/compose.yaml\n",
      "/p/a.yaml": "networks: {shared: {driver: bridge}}\n",
      "/p/b/compose.yaml": "networks: {shared: {driver: macvlan}}\n",
    });
    assert.throws(() => load("/p/compose.yaml"), {
      message: '/p/compose.yaml:3:5: include[1]: network "shared" is defined differently by the included a.yaml and b/compose.yaml',
    });
  });

  it("refuses an include loop, naming the files on it", () => {
    const { load } = loader({
      "/p/compose.yaml": "include: [sub/a.yaml]\n",
      "/p/sub/a.yaml": "include: [b.yaml]\n",
      "/p/sub/b.yaml": "include: [../compose.yaml]\n",
    });
    assert.throws(() => load("/p/compose.yaml"), { message: "/p/sub/b.yaml:1:11: include[0]: include loop: compose.yaml -> sub/a.yaml -> sub/b.yaml -> compose.yaml" });
  });

  it("leaves a file without include as it is", () => {
    const file = parseCompose("/p/compose.yaml", "services: {web: {image: a}}")[0]!;
    assert.equal(resolveInclude(file, { projectDir: "/p", chain: [] }, () => assert.fail("nothing to load")), file.data);
  });
});
