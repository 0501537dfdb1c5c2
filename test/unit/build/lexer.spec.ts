import assert from "node:assert/strict";
import { processWord, processWords } from "../../../src/runtime/build/lexer.js";

const env = new Map([
  ["NAME", "berth"],
  ["EMPTY", ""],
  ["SPACED", "a b"],
]);

describe("Dockerfile variable substitution", function () {
  it("expands $VAR and ${VAR}, unset to nothing", function () {
    assert.equal(processWord("$NAME-${NAME}x$UNSET.", env), "berth-berthx.");
    assert.equal(processWord("cost: $5 and $", env), "cost: $5 and $");
  });

  it("applies the ${VAR:-x}, ${VAR-x}, ${VAR:+x}, ${VAR+x} and ${VAR:?msg} modifiers as Docker", function () {
    assert.equal(processWord("${UNSET:-def}", env), "def");
    assert.equal(processWord("${EMPTY:-def}", env), "def");
    assert.equal(processWord("${EMPTY-def}", env), "");
    assert.equal(processWord("${NAME:-def}", env), "berth");
    assert.equal(processWord("${NAME:+set}", env), "set");
    assert.equal(processWord("${EMPTY:+set}", env), "");
    assert.equal(processWord("${EMPTY+set}", env), "set");
    assert.equal(processWord("${UNSET:-$NAME/x}", env), "berth/x", "the word itself expands");
    assert.throws(() => processWord("${UNSET:?needed here}", env), /UNSET: needed here/);
    assert.throws(() => processWord("${NAME/a/b}", env), /unsupported modifier/);
  });

  it("removes quotes: single quotes literal, double quotes expanding; the escape character escapes", function () {
    assert.equal(processWord(`'$NAME' "$NAME" \\$NAME`, env), "$NAME berth $NAME");
    assert.equal(processWord('"say \\"hi\\""', env), 'say "hi"');
    assert.equal(processWord("a`$NAME", env, "`"), "a$NAME");
    assert.throws(() => processWord("'open", env), /matching single-quote/);
  });

  it("splits words on unquoted whitespace, also inside unquoted expansions", function () {
    assert.deepEqual(processWords(`a "b c"  d\\ e`, env), ["a", "b c", "d e"]);
    assert.deepEqual(processWords("$SPACED x", env), ["a", "b", "x"]);
    assert.deepEqual(processWords('"$SPACED" x', env), ["a b", "x"]);
    assert.deepEqual(processWords('K="v w" L=$NAME', env), ["K=v w", "L=berth"]);
  });
});
