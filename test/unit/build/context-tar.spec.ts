import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { extract } from "tar-stream";
import { contextTar } from "../../../src/orchestrate/build.js";

async function names(dir: string, dockerfile: string, inline?: string): Promise<string[]> {
  const reader = extract();
  contextTar(dir, dockerfile, inline).pipe(reader);
  const found: string[] = [];
  for await (const entry of reader) {
    found.push(entry.header.name);
    entry.resume();
  }
  return found.sort();
}

describe("berth build: the context it sends", function () {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "berth-context-"));
    mkdirSync(join(dir, "node_modules", "x"), { recursive: true });
    mkdirSync(join(dir, "docker"));
    writeFileSync(join(dir, "node_modules", "x", "index.js"), "");
    writeFileSync(join(dir, "docker", "Dockerfile"), "FROM x\n");
    writeFileSync(join(dir, "app.js"), "");
    writeFileSync(join(dir, ".dockerignore"), "node_modules\ndocker\n.dockerignore\n");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("leaves out what .dockerignore excludes, but never the Dockerfile or .dockerignore", async () => {
    assert.deepEqual(await names(dir, "docker/Dockerfile"), [".dockerignore", "app.js", "docker/", "docker/Dockerfile"]);
  });

  it("adds dockerfile_inline under its own name", async () => {
    assert.deepEqual(await names(dir, ".berth-inline.Dockerfile", "FROM y\n"), [".berth-inline.Dockerfile", ".dockerignore", "app.js"]);
  });
});
