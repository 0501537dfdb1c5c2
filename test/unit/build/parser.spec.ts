import assert from "node:assert/strict";
import { DockerfileError, parseDockerfile } from "../../../src/runtime/build/parser.js";

const parse = (text: string) => parseDockerfile(text).instructions;

describe("Dockerfile parser", function () {
  it("splits instructions, upper-cases keywords and keeps line numbers", function () {
    const list = parse("from busybox\n\n# a comment\nRUN echo hi\n  cmd [\"sh\"]\n");
    assert.deepEqual(
      list.map((i) => [i.line, i.keyword, i.args]),
      [
        [1, "FROM", "busybox"],
        [4, "RUN", "echo hi"],
        [5, "CMD", '["sh"]'],
      ],
    );
    assert.deepEqual(list[2]!.json, ["sh"]);
    assert.equal(list[1]!.json, undefined, "the shell form has no JSON");
  });

  it("joins continuation lines, dropping comments and blank lines inside them", function () {
    const [, run] = parse("FROM x\nRUN apk add \\\n# the compiler\n    gcc \\\n\n    make\nUSER me\n");
    assert.equal(run!.args, "apk add     gcc     make");
    assert.equal(run!.line, 2);
    assert.equal(parse("FROM x\nRUN a \\\n b\nUSER me\n")[2]!.line, 4);
  });

  it("honours the escape directive and ignores # syntax", function () {
    const file = parseDockerfile("# syntax=docker/dockerfile:1\n# escape=`\nFROM x\nRUN dir c:\\ `\n  /w\n");
    assert.equal(file.escape, "`");
    assert.equal(file.instructions[1]!.args, "dir c:\\   /w");
    // After the first instruction or comment, a directive is only a comment.
    assert.equal(parseDockerfile("# hello\n# escape=`\nFROM x\n").escape, "\\");
    assert.throws(() => parseDockerfile("# escape=x\nFROM x\n"), /Dockerfile:1: invalid escape token 'x'/);
    assert.throws(() => parseDockerfile("# escape=`\n# escape=\\\nFROM x\n"), /only one escape parser directive/);
  });

  it("reads flags before the arguments and refuses unknown ones", function () {
    const [, copy] = parse("FROM x\nCOPY --from=build --chown=1:2 --chmod=755 a b /dst/\n");
    assert.deepEqual(copy!.flags, { from: "build", chown: "1:2", chmod: "755" });
    assert.equal(copy!.args, "a b /dst/");
    assert.equal(parse("FROM --platform=linux/amd64 x AS y\n")[0]!.flags.platform, "linux/amd64");
    assert.throws(() => parse("FROM x\nCOPY --frm=a b c\n"), /Dockerfile:2: unknown flag: --frm$/);
    assert.throws(() => parse("FROM x\nRUN --mount=type=cache,target=/x true\n"), /Dockerfile:2: RUN --mount requires BuildKit/);
    assert.throws(() => parse("FROM x\nCOPY --exclude=*.md . /\n"), /Dockerfile:2: COPY --exclude requires BuildKit/);
    assert.equal(parse("FROM x\nCOPY --link a /b\n")[1]!.args, "a /b", "--link only changes BuildKit's caching");
    assert.throws(() => parse("FROM x\nCOPY --from=a --from=b c d\n"), /duplicate flag specified: --from/);
  });

  it("reads heredocs for RUN and COPY", function () {
    const list = parse("FROM x\nRUN <<EOF\necho a\necho b\nEOF\nCOPY <<-\"END\" /greeting\n\thello $NAME\n\tEND\nUSER me\n");
    assert.deepEqual(list[1]!.heredocs, [{ name: "EOF", content: "echo a\necho b\n", expand: true }]);
    assert.deepEqual(list[2]!.heredocs, [{ name: "END", content: "hello $NAME\n", expand: false }]);
    assert.equal(list[3]!.keyword, "USER");
    assert.equal(list[3]!.line, 9);
    assert.throws(() => parse("FROM x\nRUN <<EOF\necho\n"), /Dockerfile:2: unterminated heredoc <<EOF/);
  });

  it("names the line of each error, in Docker's words", function () {
    const cases: [string, RegExp][] = [
      ["FROM x\n\nRUNN true\n", /^Dockerfile:3: unknown instruction: RUNN$/],
      ["FROM\n", /^Dockerfile:1: FROM requires at least one argument$/],
      ["FROM a b\n", /^Dockerfile:1: FROM requires either one or three arguments$/],
      ["FROM x\nCOPY onlyone\n", /^Dockerfile:2: COPY requires at least two arguments/],
      ["FROM x\nSHELL /bin/bash -c\n", /^Dockerfile:2: SHELL requires the arguments to be in JSON form$/],
      ["FROM x\nONBUILD ONBUILD RUN x\n", /Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed/],
      ["FROM x\nONBUILD FROM y\n", /FROM isn't allowed as an ONBUILD trigger/],
      ["FROM x\nHEALTHCHECK CURL x\n", /HEALTHCHECK: unknown type "CURL"/],
      ["FROM x\nUSER a b\n", /USER requires exactly one argument/],
    ];
    for (const [text, expected] of cases) {
      assert.throws(() => parse(text), (err: Error) => err instanceof DockerfileError && expected.test(err.message), text);
    }
  });

  it("keeps the instruction as written for the build output", function () {
    const [from, run] = parse("FROM busybox AS base\nRUN echo a && \\\n  echo b\n");
    assert.equal(from!.text, "FROM busybox AS base");
    assert.equal(run!.text, "RUN echo a &&   echo b");
  });
});
