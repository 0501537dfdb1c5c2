import assert from "node:assert/strict";
import type { Lookup } from "../../src/compose/dotenv.js";
import { formatWarning, type Warning } from "../../src/compose/errors.js";
import { interpolate, interpolateFile } from "../../src/compose/interpolate.js";
import { parseCompose } from "../../src/compose/parse.js";
import { userError } from "./user-error.js";

/** FULL is set, EMPTY is set to "", UNSET is not set. */
const env: Record<string, string> = { FULL: "full", EMPTY: "", PORT: "8080", INNER: "inner" };
const lookup: Lookup = (name) => env[name];
const where = { loc: { file: "compose.yaml", line: 4, col: 12 }, path: ["services", "web", "image"] };

function run(text: string): { out: string; warnings: string[] } {
  const warnings: string[] = [];
  const out = interpolate(text, lookup, where, (w) => warnings.push(formatWarning(w)));
  return { out, warnings };
}


describe("interpolate", () => {
  describe("substitutes", () => {
    const cases: [string, string][] = [
      ["plain text", "plain text"],
      ["$FULL", "full"],
      ["${FULL}", "full"],
      ["a-$FULL-b", "a-full-b"],
      ["$FULL-bar", "full-bar"],
      ["${FULL}${PORT}", "full8080"],
      ["x${EMPTY}y", "xy"],
      // :- uses the default when unset or empty; - only when unset
      ["${UNSET:-d}", "d"],
      ["${EMPTY:-d}", "d"],
      ["${FULL:-d}", "full"],
      ["${UNSET-d}", "d"],
      ["${EMPTY-d}", ""],
      ["${FULL-d}", "full"],
      // :+ gives the replacement when set and non-empty; + when set
      ["${FULL:+r}", "r"],
      ["${EMPTY:+r}", ""],
      ["${UNSET:+r}", ""],
      ["${FULL+r}", "r"],
      ["${EMPTY+r}", "r"],
      ["${UNSET+r}", ""],
      // ? and :? pass a present value through
      ["${FULL:?msg}", "full"],
      ["${FULL?msg}", "full"],
      ["${EMPTY?msg}", ""],
      // nesting in defaults and replacements
      ["${UNSET:-${EMPTY:-${FULL}}}", "full"],
      ["${UNSET:-$INNER}", "inner"],
      ["${UNSET-${FULL} and ${PORT}}", "full and 8080"],
      ["${FULL:+[${PORT}]}", "[8080]"],
      ["${UNSET:-a}-${UNSET:-b}", "a-b"],
      // the operator is the first one after the name; the rest is the argument
      ["${UNSET:-/non:-alphanumeric}", "/non:-alphanumeric"],
      ["${UNSET-x?y}", "x?y"],
      // $$ is a literal $, and a $ before anything but a name or { stays as written
      ["$$FULL", "$FULL"],
      ["$${FULL}", "${FULL}"],
      ["${UNSET:-$$}", "$"],
      ["a $ string", "a $ string"],
      ["^REGEX$", "^REGEX$"],
      ["$}", "$}"],
      ["$1", "$1"],
      ["cost: 5$", "cost: 5$"],
    ];
    for (const [text, expected] of cases) {
      it(`${JSON.stringify(text)} → ${JSON.stringify(expected)}`, () => {
        assert.equal(run(text).out, expected);
      });
    }
  });

  describe("unset variables", () => {
    it("become a blank string, with one located warning per occurrence", () => {
      const { out, warnings } = run("$UNSET:${UNSET}:${OTHER}");
      assert.equal(out, "::");
      const message = (name: string) => `compose.yaml:4:12: services.web.image: the "${name}" variable is not set, defaulting to a blank string`;
      assert.deepEqual(warnings, [message("UNSET"), message("UNSET"), message("OTHER")]);
    });

    it("do not warn when a default, replacement or unused branch covers them", () => {
      assert.deepEqual(run("${UNSET:-a}${UNSET-b}${UNSET:+c}${UNSET+d}${FULL:-${MISSING}}").warnings, []);
    });

    it("warn from inside a default that is used", () => {
      const { out, warnings } = run("${UNSET:-x${MISSING}}");
      assert.equal(out, "x");
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /"MISSING" variable is not set/);
    });

    it("set but empty is not unset", () => {
      assert.deepEqual(run("${EMPTY}").warnings, []);
    });
  });

  describe("required variables", () => {
    const cases: [string, string][] = [
      ["${UNSET:?set it in .env}", "required variable UNSET is missing a value: set it in .env"],
      ["${EMPTY:?must not be empty}", "required variable EMPTY is missing a value: must not be empty"],
      ["${UNSET?needed}", "required variable UNSET is missing a value: needed"],
      ["${UNSET:?}", "required variable UNSET is missing a value"],
      ["${UNSET?}", "required variable UNSET is missing a value"],
      ["${UNSET?bar-baz}", "required variable UNSET is missing a value: bar-baz"],
      ["${UNSET:?port ${PORT} is taken}", "required variable UNSET is missing a value: port 8080 is taken"],
      ["ok ${UNSET:-${INNER_UNSET:?say why}}", "required variable INNER_UNSET is missing a value: say why"],
    ];
    for (const [text, detail] of cases) {
      it(`${JSON.stringify(text)} fails with the user's message`, () => {
        const err = userError(() => run(text));
        assert.equal(err.detail, detail);
        assert.equal(err.message, `compose.yaml:4:12: services.web.image: ${detail}`);
      });
    }
  });

  describe("invalid syntax", () => {
    const cases: [string, string, string][] = [
      ["${", "${", 'missing "}"'],
      ["pre ${FULL", "${FULL", 'missing "}"'],
      ["${}", "${}", "missing variable name"],
      ["${ }", "${ }", 'a variable name must start with a letter or "_"'],
      ["${1A}", "${1A}", 'a variable name must start with a letter or "_"'],
      ["${V:}", "${V:}", 'unexpected ":" after V (operators are :- - :? ? :+ +)'],
      ["${V%x}", "${V%x}", 'unexpected "%x" after V (operators are :- - :? ? :+ +)'],
      ["${foo }", "${foo }", 'unexpected " " after foo (operators are :- - :? ? :+ +)'],
      ["${UNSET:-${}}", "${}", "missing variable name"],
    ];
    for (const [text, expression, problem] of cases) {
      it(`${JSON.stringify(text)} is refused, located`, () => {
        const err = userError(() => run(text));
        assert.equal(
          err.message,
          `compose.yaml:4:12: services.web.image: invalid interpolation format "${expression}": ${problem}; write "$$" for a literal "$"`,
        );
      });
    }
  });
});

describe("interpolateFile", () => {
  function load(yaml: string, vars: Record<string, string> = {}): { data: Record<string, any>; warnings: Warning[] } {
    const [file] = parseCompose("compose.yaml", yaml);
    const warnings: Warning[] = [];
    interpolateFile(file, (name) => vars[name], (w) => warnings.push(w));
    return { data: file.data, warnings };
  }

  it("interpolates values at any depth, in lists and x- extensions, but never keys", () => {
    const { data } = load(
      ["x-tag: ${TAG}", "services:", "  web:", "    image: app:${TAG}", "    command: [run, $TAG]", "    labels:", "      ${TAG}: ${TAG}"].join("\n"),
      { TAG: "v1" },
    );
    assert.deepEqual(data, { "x-tag": "v1", services: { web: { image: "app:v1", command: ["run", "v1"], labels: { "${TAG}": "v1" } } } });
  });

  it("leaves numbers, booleans and nulls alone", () => {
    const { data } = load("services:\n  web:\n    image: a\n    ports: [80]\n    tty: true\n    x: null\n");
    assert.deepEqual(data.services.web, { image: "a", ports: [80], tty: true, x: null });
  });

  it("locates errors and warnings at the value, with its key path", () => {
    const yaml = "services:\n  web:\n    image: nginx\n    environment:\n      - A=${DB_PASSWORD:?set it in .env}\n";
    const err = userError(() => load(yaml));
    assert.equal(err.message, "compose.yaml:5:9: services.web.environment[0]: required variable DB_PASSWORD is missing a value: set it in .env");
    const { warnings } = load("services:\n  web:\n    image: ${IMAGE}\n");
    assert.deepEqual(warnings, [
      {
        message: 'the "IMAGE" variable is not set, defaulting to a blank string',
        loc: { file: "compose.yaml", line: 3, col: 12 },
        path: ["services", "web", "image"],
      },
    ]);
  });

  it("interpolates an aliased value once per place it appears, casting each by its own path", () => {
    const yaml = "x-flag: &flag $${LITERAL}\nx-tty: &tty ${TTY}\nservices:\n  web:\n    image: ${TTY}\n    tty: *tty\n    entrypoint: *flag\n";
    const { data } = load(yaml, { TTY: "true" });
    assert.equal(data["x-flag"], "${LITERAL}");
    assert.equal(data.services.web.entrypoint, "${LITERAL}");
    assert.equal(data["x-tty"], "true");
    assert.equal(data.services.web.image, "true");
    assert.equal(data.services.web.tty, true);
  });

  it("casts typed values after interpolation, and locates a failed cast", () => {
    const { data } = load("services:\n  web:\n    image: a\n    deploy:\n      replicas: ${N}\n    read_only: '${RO}'\n", { N: "3", RO: "false" });
    assert.equal(data.services.web.deploy.replicas, 3);
    assert.equal(data.services.web.read_only, false);
    const err = userError(() => load("services:\n  web:\n    image: a\n    tty: ${TTY}\n", { TTY: "maybe" }));
    assert.equal(err.message, 'compose.yaml:4:10: services.web.tty: invalid boolean "maybe" (use true or false)');
  });

  it("passes the YAML 1.1 boolean warning on, located", () => {
    const { data, warnings } = load("services:\n  web:\n    image: a\n    tty: ${TTY}\n", { TTY: "yes" });
    assert.equal(data.services.web.tty, true);
    assert.deepEqual(warnings, [
      { message: '"yes" is not a YAML 1.2 boolean; write true instead', loc: { file: "compose.yaml", line: 4, col: 10 }, path: ["services", "web", "tty"] },
    ]);
  });
});
