import assert from "node:assert/strict";
import { ValueError } from "../../../src/compose/errors.js";
import { parseBytes } from "../../../src/compose/syntax/bytes.js";

const KiB = 1024;
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

describe("parseBytes", () => {
  const valid: [string | number, number][] = [
    [2048, 2048],
    [0, 0],
    [-1, -1],
    ["2048", 2048],
    ["1024b", 1024],
    ["1024B", 1024],
    ["100k", 100 * KiB],
    ["100KB", 100 * KiB],
    ["100KiB", 100 * KiB],
    ["512m", 512 * MiB],
    ["512 m", 512 * MiB],
    ["512MiB", 512 * MiB],
    ["1g", GiB],
    ["1.5gb", 1.5 * GiB],
    [".5g", 0.5 * GiB],
    ["2t", 2 * 1024 ** 4],
    ["1p", 1024 ** 5],
    ["1.7", 1],
  ];
  for (const [value, bytes] of valid) {
    it(`reads ${JSON.stringify(value)}`, () => assert.equal(parseBytes(value), bytes));
  }

  const hint = `(use a number with an optional unit b, k, m, g, t or p, e.g. "512m" or "1.5g")`;
  const invalid: [string | number, string][] = [
    ["", `invalid size "" ${hint}`],
    ["m", `invalid size "m" ${hint}`],
    ["12x", `invalid size "12x" ${hint}`],
    ["1mm", `invalid size "1mm" ${hint}`],
    ["1bb", `invalid size "1bb" ${hint}`],
    ["1ib", `invalid size "1ib" ${hint}`],
    ["1kbi", `invalid size "1kbi" ${hint}`],
    ["-1", `invalid size "-1" ${hint}`],
    ["1  m", `invalid size "1  m" ${hint}`],
    ["1e3", `invalid size "1e3" ${hint}`],
    [1.5, `invalid size 1.5 (use a whole number of bytes, or a string such as "512m")`],
    [-2, `invalid size -2 (use a whole number of bytes, or a string such as "512m")`],
  ];
  for (const [value, message] of invalid) {
    it(`refuses ${JSON.stringify(value)}`, () => assert.throws(() => parseBytes(value), new ValueError(message)));
  }
});
