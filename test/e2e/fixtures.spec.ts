// The fixture corpus, run through the real CLI (bin/berth.js, compiled by `npm test`'s build).
//   test/fixtures/good/<case>/: compose files, optional `args` (JSON array of CLI arguments, default
//     ["config", "--format", "json"]), optional `env` (JSON object: the shell environment), and `expected.json`
//     (the JSON output) or `expected.txt` (the exact standard output).
//   test/fixtures/bad/<case>/: the same inputs and `expected.txt`: the exact standard error; exit status 1.
// In expected files, ${FIXTURE} stands for the case's absolute directory and ${HOME} for the fake home.
import { strict as assert } from "node:assert";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { FAKE_HOME, root, runBerth } from "./run-berth.js";

const corpus = join(root, "test/fixtures");

function readJson<T>(path: string, fallback: T): T {
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as T) : fallback;
}

function expand(text: string, dir: string): string {
  return text.replaceAll("${FIXTURE}", dir).replaceAll("${HOME}", FAKE_HOME);
}

function cases(kind: "good" | "bad"): string[] {
  const dir = join(corpus, kind);
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

function run(kind: "good" | "bad", name: string) {
  const dir = join(corpus, kind, name);
  const args = readJson<string[]>(join(dir, "args"), ["config", "--format", "json"]);
  const env = readJson<Record<string, string>>(join(dir, "env"), {});
  const stdin = existsSync(join(dir, "stdin.yaml")) ? readFileSync(join(dir, "stdin.yaml"), "utf8") : undefined;
  return { dir, result: runBerth(dir, args, env, stdin) };
}

describe("fixture corpus: valid projects", () => {
  for (const name of cases("good")) {
    it(name, () => {
      const { dir, result } = run("good", name);
      assert.equal(result.status, 0, `exit ${result.status}: ${result.stderr}`);
      const json = join(dir, "expected.json");
      if (existsSync(json)) {
        assert.deepEqual(JSON.parse(result.stdout), JSON.parse(expand(readFileSync(json, "utf8"), dir)));
      } else {
        assert.equal(result.stdout, expand(readFileSync(join(dir, "expected.txt"), "utf8"), dir));
      }
    });
  }
});

describe("fixture corpus: invalid input", () => {
  for (const name of cases("bad")) {
    it(name, () => {
      const { dir, result } = run("bad", name);
      assert.equal(result.stderr, expand(readFileSync(join(dir, "expected.txt"), "utf8"), dir));
      assert.equal(result.status, 1);
      assert.equal(result.stdout, "", "nothing is printed on standard output for an invalid project");
    });
  }
});
