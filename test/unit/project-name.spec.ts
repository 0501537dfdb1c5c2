import { strict as assert } from "node:assert";
import { normalizeName, projectName } from "../../src/compose/project-name.js";

describe("project name", () => {
  const dir = "/work/My_App.v2";

  it("takes -p, then COMPOSE_PROJECT_NAME, then the top-level name, then the directory", () => {
    assert.equal(projectName({ flag: "flag", env: "env", topLevel: { value: "top" }, projectDir: dir }), "flag");
    assert.equal(projectName({ env: "env", topLevel: { value: "top" }, projectDir: dir }), "env");
    assert.equal(projectName({ topLevel: { value: "top" }, projectDir: dir }), "top");
    assert.equal(projectName({ projectDir: dir }), "my_appv2");
  });

  it("normalises a directory name: lower case, only [a-z0-9_-], no leading _ or -", () => {
    assert.equal(normalizeName("__My Project!"), "myproject");
    assert.equal(normalizeName("-._x-Y_1"), "x-y_1");
  });

  it("refuses an explicit invalid name, saying where it came from", () => {
    assert.throws(() => projectName({ flag: "My App", projectDir: dir }), {
      message: '-p/--project-name: invalid project name "My App": use only lower-case letters, digits, "-" and "_", starting with a letter or digit',
    });
    assert.throws(() => projectName({ env: "_x", projectDir: dir }), { message: /^COMPOSE_PROJECT_NAME: invalid project name "_x"/ });
    assert.throws(() => projectName({ topLevel: { value: "Bad", loc: { file: "compose.yaml", line: 1, col: 1 } }, projectDir: dir }), {
      message: 'compose.yaml:1:1: name: invalid project name "Bad": use only lower-case letters, digits, "-" and "_", starting with a letter or digit',
    });
  });

  it("refuses a directory name that normalises to nothing", () => {
    assert.throws(() => projectName({ projectDir: "/tmp/___" }), /cannot derive a project name from the directory "\/tmp\/___"/);
  });
});
