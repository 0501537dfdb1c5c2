import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lookupIn, readEnvFiles } from "../../src/compose/environment.js";

describe("environment for interpolation", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "berth-env-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("reads the project directory's .env, its values seeing the shell", () => {
    writeFileSync(join(dir, ".env"), "A=1\nB=${SHELL_ONLY}-x\n");
    assert.deepEqual(readEnvFiles({ cwd: "/", projectDir: dir, envFiles: [], shell: { SHELL_ONLY: "s" } }), { A: "1", B: "s-x" });
  });

  it("reads --env-file files instead of .env, relative to the working directory, later files winning and seeing earlier ones", () => {
    writeFileSync(join(dir, ".env"), "FROM_DOTENV=yes\n");
    writeFileSync(join(dir, "one.env"), "A=1\nB=1\n");
    writeFileSync(join(dir, "two.env"), "B=2\nC=${A}2\n");
    assert.deepEqual(readEnvFiles({ cwd: dir, projectDir: dir, envFiles: ["one.env", "two.env"], shell: {} }), { A: "1", B: "2", C: "12" });
  });

  it("skips .env when COMPOSE_DISABLE_ENV_FILE is set", () => {
    writeFileSync(join(dir, ".env"), "A=1\n");
    assert.deepEqual(readEnvFiles({ cwd: dir, projectDir: dir, envFiles: [], shell: { COMPOSE_DISABLE_ENV_FILE: "true" } }), {});
  });

  it("says which --env-file is missing", () => {
    assert.throws(() => readEnvFiles({ cwd: dir, projectDir: dir, envFiles: ["nope.env"], shell: {} }), { message: `env file not found: ${join(dir, "nope.env")}` });
  });

  it("lets the shell win over the files", () => {
    const lookup = lookupIn({ A: "shell", EMPTY: "" }, { A: "file", B: "file", EMPTY: "file" });
    assert.deepEqual(["A", "B", "EMPTY", "C"].map(lookup), ["shell", "file", "", undefined]);
  });
});
