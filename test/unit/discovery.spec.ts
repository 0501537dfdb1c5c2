import { strict as assert } from "node:assert";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findComposeFiles, projectDirectory } from "../../src/compose/discovery.js";

describe("discovery", () => {
  let dir: string;
  const touch = (...parts: string[]) => {
    mkdirSync(join(dir, ...parts.slice(0, -1)), { recursive: true });
    writeFileSync(join(dir, ...parts), "services: {}\n");
    return join(dir, ...parts);
  };
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "berth-discovery-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("prefers compose.yaml over the other default names and adds the first override beside it", () => {
    const main = touch("compose.yaml");
    touch("docker-compose.yml");
    const override = touch("compose.override.yml");
    touch("compose.override.yaml");
    touch("docker-compose.override.yaml");
    assert.deepEqual(findComposeFiles({ cwd: dir, files: [] }), [main, override]);
  });

  it("prefers docker-compose.yml over docker-compose.yaml, as compose-go does", () => {
    const main = touch("docker-compose.yml");
    touch("docker-compose.yaml");
    const override = touch("docker-compose.override.yml");
    touch("docker-compose.override.yaml");
    assert.deepEqual(findComposeFiles({ cwd: dir, files: [] }), [main, override]);
  });

  it("searches the parent directories", () => {
    const main = touch("docker-compose.yml");
    mkdirSync(join(dir, "a/b"), { recursive: true });
    assert.deepEqual(findComposeFiles({ cwd: join(dir, "a/b"), files: [] }), [main]);
  });

  it("starts the search in --project-directory", () => {
    const main = touch("sub", "compose.yml");
    assert.deepEqual(findComposeFiles({ cwd: dir, projectDirectory: "sub", files: [] }), [main]);
  });

  it("takes -f in order, relative to the working directory, with - for standard input and no override", () => {
    const a = touch("a.yaml");
    const b = touch("x", "b.yaml");
    touch("compose.override.yaml");
    assert.deepEqual(findComposeFiles({ cwd: dir, files: ["a.yaml", "x/b.yaml", "-"] }), [a, b, "-"]);
  });

  it("uses COMPOSE_FILE with COMPOSE_PATH_SEPARATOR when there is no -f", () => {
    const a = touch("a.yaml");
    const b = touch("b.yaml");
    assert.deepEqual(findComposeFiles({ cwd: dir, files: [], composeFile: "a.yaml;b.yaml", pathSeparator: ";" }), [a, b]);
    assert.deepEqual(findComposeFiles({ cwd: dir, files: [], composeFile: "b.yaml:a.yaml" }), [b, a]);
  });

  it("says which file is missing, and where it looked when nothing is found", () => {
    assert.throws(() => findComposeFiles({ cwd: dir, files: ["nope.yaml"] }), { message: `compose file not found: ${join(dir, "nope.yaml")}` });
    const empty = join(dir, "empty");
    mkdirSync(empty);
    assert.throws(() => findComposeFiles({ cwd: "/", projectDirectory: empty, files: [] }), (err: Error) =>
      err.message.startsWith(`no compose file found in ${empty} or its parents`),
    );
  });

  it("puts the project directory at --project-directory, else the first file's directory", () => {
    assert.equal(projectDirectory("/w", ["/p/q/compose.yaml", "/z/o.yaml"]), "/p/q");
    assert.equal(projectDirectory("/w", ["-"]), "/w");
    assert.equal(projectDirectory("/w", ["/p/q/compose.yaml"], "../elsewhere"), "/elsewhere");
  });
});
