import assert from "node:assert/strict";
import { parseDotenv, type Lookup } from "../../src/compose/dotenv.js";
import { formatWarning } from "../../src/compose/errors.js";
import { userError } from "./user-error.js";

const shell: Record<string, string> = { HOME: "/home/me", EMPTY: "" };
const lookup: Lookup = (name) => shell[name];
const parse = (text: string) => parseDotenv(".env", text, lookup);


describe("parseDotenv", () => {
  describe("reads", () => {
    const cases: [string, string, Record<string, string>][] = [
      ["plain assignments", "A=1\nB=two", { A: "1", B: "two" }],
      ["an empty value", "A=\nB=", { A: "", B: "" }],
      ["blank lines, indentation and comment lines", "\n# comment\n  A=1\n\n\t# another\nB=2\n", { A: "1", B: "2" }],
      ["an export prefix", "export A=1\nexport\tB=2", { A: "1", B: "2" }],
      ["the YAML-like KEY: VALUE form", "A: 1\nB:two", { A: "1", B: "two" }],
      ["blanks around = and at the end of unquoted values", "A = spaced out  \t\nB=x\r\n", { A: "spaced out", B: "x" }],
      ["an inline comment after a blank, but not a # inside a word", "A=1 # note\nB=a#b\nC=x\t# tab", { A: "1", B: "a#b", C: "x" }],
      // as in Compose, the blanks after = belong to the separator, so they cannot start a comment
      ["a value starting with #", "A=#1\nB= # two", { A: "#1", B: "# two" }],
      ["only the first = as separator", "URL=postgres://u:p@db/x?a=b", { URL: "postgres://u:p@db/x?a=b" }],
      ["names with dots, dashes and brackets", "a.b=1\nc-d=2\ne[0]=3\n_x=4", { "a.b": "1", "c-d": "2", "e[0]": "3", _x: "4" }],
      ["the last of repeated keys", "A=1\nA=2", { A: "2" }],
      ["a byte-order mark", "\uFEFFA=1", { A: "1" }],
      // single quotes: literal, may span lines
      ["single quotes literally", "A='$HOME \\n # not a comment'", { A: "$HOME \\n # not a comment" }],
      ["a single-quoted value over several lines", "A='line 1\nline 2'\nB=2", { A: "line 1\nline 2", B: "2" }],
      ["an escaped single quote, kept as written", "A='it\\'s'", { A: "it\\'s" }],
      // double quotes: escapes, then interpolation
      ["double-quote escapes", 'A="tab\\tnew\\nline \\"quoted\\" back\\\\slash"', { A: 'tab\tnew\nline "quoted" back\\slash' }],
      ["\\$ as a literal dollar", 'A="\\$HOME costs \\$5"', { A: "$HOME costs $5" }],
      ["unknown escapes as written", 'A="\\q\\x41"', { A: "\\q\\x41" }],
      ["a double-quoted value over several lines", 'A="one\ntwo"', { A: "one\ntwo" }],
      ["a # inside quotes, and a comment after them", "A=\"x # y\" # comment\nB='#' ", { A: "x # y", B: "#" }],
      ["an escaped backslash before the closing quote", 'A="ends\\\\"\nB=2', { A: "ends\\", B: "2" }],
      ["empty quotes", "A=''\nB=\"\"", { A: "", B: "" }],
      // interpolation: earlier variables of the file, then the lookup
      ["interpolation in unquoted and double-quoted values", 'A=$HOME/a\nB="${HOME}/b"', { A: "/home/me/a", B: "/home/me/b" }],
      ["earlier variables before the lookup", "HOME=/srv\nA=${HOME}/x\nB=${A:-no}", { HOME: "/srv", A: "/srv/x", B: "/srv/x" }],
      ["interpolation operators", "A=${UNSET:-def}\nB=${EMPTY-def}\nC=${HOME:+set}", { A: "def", B: "", C: "set" }],
      ["$$ as a literal dollar when unquoted", "A=$$HOME", { A: "$HOME" }],
      // bare keys: from the lookup, left out when unset
      ["a bare key from the lookup", "HOME\nEMPTY\nUNSET\nexport HOME", { HOME: "/home/me", EMPTY: "" }],
      ["a bare key at the end of the file", "A=1\nHOME", { A: "1", HOME: "/home/me" }],
    ];
    for (const [what, text, expected] of cases) {
      it(what, () => assert.deepEqual(parse(text), expected));
    }
  });

  it("does not take a bare key from an earlier line of the file", () => {
    assert.deepEqual(parse("X=1\nX"), { X: "1" });
    assert.deepEqual(parseDotenv(".env", "X=1\nX", (name) => (name === "X" ? "shell" : undefined)), { X: "shell" });
  });

  it("reports unset variables through warn, located at the value", () => {
    const warnings: string[] = [];
    parseDotenv(".env", "A=1\nB=x${NOPE}", lookup, (w) => warnings.push(formatWarning(w)));
    assert.deepEqual(warnings, ['.env:2:3: B: the "NOPE" variable is not set, defaulting to a blank string']);
  });

  describe("refuses", () => {
    const cases: [string, string, string][] = [
      ["a name starting with a digit", "A=1\n\n1BAD=x", '.env:3:1: invalid variable name "1BAD" (use letters, digits and "_", starting with a letter or "_")'],
      ["a name with a space", "KEY WITH SPACE=x", '.env:1:1: invalid variable name "KEY WITH SPACE" (use letters, digits and "_", starting with a letter or "_")'],
      ["an empty name", "  =x", '.env:1:3: invalid variable name "" (use letters, digits and "_", starting with a letter or "_")'],
      ["an unterminated double quote", 'A=1\nB="open\nC=2', ".env:2:3: B: unterminated quoted value (add the closing \")"],
      ["an unterminated single quote", "A='open", ".env:1:3: A: unterminated quoted value (add the closing ')"],
      ["text after a closing quote", "A=\"x\" y", '.env:1:6: A: unexpected text after the closing quote (only a "#" comment may follow)'],
      ["a missing required variable", "A=1\nB=${NEED:?set NEED first}", ".env:2:3: B: required variable NEED is missing a value: set NEED first"],
      ["invalid interpolation", 'A="${1X}"', '.env:1:3: A: invalid interpolation format "${1X}": a variable name must start with a letter or "_"; write "$$" for a literal "$"'],
    ];
    for (const [what, text, message] of cases) {
      it(what, () => assert.equal(userError(() => parse(text)).message, message));
    }
  });
});
