import assert from "node:assert/strict";
import { ValueError } from "../../../src/compose/errors.js";
import { formatDuration, parseDuration } from "../../../src/compose/syntax/duration.js";

const MS = 1e6;
const S = 1e9;

describe("parseDuration", () => {
  const valid: [string | number, number][] = [
    ["0", 0],
    [0, 0],
    ["0s", 0],
    ["500ms", 500 * MS],
    ["10us", 10_000],
    ["10µs", 10_000],
    ["10μs", 10_000],
    ["7ns", 7],
    ["1.5ns", 1],
    ["30s", 30 * S],
    ["1m30s", 90 * S],
    ["1h2m3.5s", 3723.5 * S],
    ["1.5h", 5400 * S],
    [".5s", 0.5 * S],
    ["5.s", 5 * S],
    ["0.3333333333s", 333_333_333],
    ["2h45m", (2 * 3600 + 45 * 60) * S],
    ["1s1s", 2 * S],
  ];
  for (const [text, ns] of valid) {
    it(`reads ${JSON.stringify(text)}`, () => assert.equal(parseDuration(text), ns));
  }

  const hint = `(use a number with a unit: ns, us, ms, s, m, h, e.g. "1m30s")`;
  const invalid: [string | number, string][] = [
    ["", `invalid duration "" ${hint}`],
    ["10", `invalid duration "10" ${hint}`],
    [10, `invalid duration "10" ${hint}`],
    ["10x", `invalid duration "10x" ${hint}`],
    ["1constructor", `invalid duration "1constructor" ${hint}`],
    ["s", `invalid duration "s" ${hint}`],
    [".s", `invalid duration ".s" ${hint}`],
    ["1.2.3s", `invalid duration "1.2.3s" ${hint}`],
    ["1m 30s", `invalid duration "1m 30s" ${hint}`],
    ["1S", `invalid duration "1S" ${hint}`],
    ["+1s", `invalid duration "+1s" ${hint}`],
    ["-1s", `negative duration "-1s" (durations are 0 or more)`],
    ["3000000h", `duration "3000000h" is too long (the maximum is 2562047h47m16.854775807s)`],
  ];
  for (const [text, message] of invalid) {
    it(`refuses ${JSON.stringify(text)}`, () => assert.throws(() => parseDuration(text), new ValueError(message)));
  }
});

describe("formatDuration", () => {
  const cases: [number, string][] = [
    [0, "0s"],
    [1, "1ns"],
    [999, "999ns"],
    [1500, "1.5µs"],
    [500 * MS, "500ms"],
    [1_234_567, "1.234567ms"],
    [S, "1s"],
    [1.5 * S, "1.5s"],
    [60 * S, "1m0s"],
    [90 * S, "1m30s"],
    [3600 * S, "1h0m0s"],
    [3723.5 * S, "1h2m3.5s"],
    [100 * 3600 * S + 1, "100h0m0.000000001s"],
  ];
  for (const [ns, text] of cases) {
    it(`prints ${ns} ns as "${text}"`, () => assert.equal(formatDuration(ns), text));
  }

  it("prints what it reads back unchanged", () => {
    for (const text of ["1h2m3.5s", "1m30s", "500ms", "2.5µs", "0s", "1h0m0s"]) assert.equal(formatDuration(parseDuration(text)), text);
  });
});
