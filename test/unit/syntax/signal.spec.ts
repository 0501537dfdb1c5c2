import assert from "node:assert/strict";
import { constants } from "node:os";
import { ValueError } from "../../../src/compose/errors.js";
import { parseSignal, signalNumber } from "../../../src/compose/syntax/signal.js";

describe("parseSignal", () => {
  const valid: [string | number, string][] = [
    ["SIGTERM", "SIGTERM"],
    ["TERM", "SIGTERM"],
    ["sigterm", "SIGTERM"],
    ["term", "SIGTERM"],
    ["15", "SIGTERM"],
    [15, "SIGTERM"],
    ["9", "SIGKILL"],
    ["SIGQUIT", "SIGQUIT"],
    ["SIGUSR1", "SIGUSR1"],
    ["SIGWINCH", "SIGWINCH"],
    ["SIGIOT", "SIGABRT"],
    ["cld", "SIGCHLD"],
    ["SIGPOLL", "SIGIO"],
    ["SIGRTMIN", "SIGRTMIN"],
    ["RTMIN+3", "SIGRTMIN+3"],
    ["sigrtmax-2", "SIGRTMAX-2"],
    ["34", "SIGRTMIN"],
    ["49", "SIGRTMIN+15"],
    ["50", "SIGRTMAX-14"],
    ["64", "SIGRTMAX"],
  ];
  for (const [signal, name] of valid) {
    it(`reads ${JSON.stringify(signal)} as ${name}`, () => assert.equal(parseSignal(signal), name));
  }

  const hint = `(use a name such as SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, or a number 1-31 or 34-64)`;
  const invalid = ["", "0", "32", "65", "-9", "SIG", "SIGFOO", "TERM ", "RTMIN+16", "RTMAX-15", "SIGSIGTERM", "1.5", "constructor"];
  for (const signal of invalid) {
    it(`refuses ${JSON.stringify(signal)}`, () => assert.throws(() => parseSignal(signal), new ValueError(`unknown signal "${signal}" ${hint}`)));
  }
});

describe("signalNumber", () => {
  it("matches the numbers Node knows for every standard signal, synonyms included", () => {
    for (const [name, number] of Object.entries(constants.signals)) {
      assert.equal(signalNumber(name), number, name);
      assert.equal(signalNumber(parseSignal(number)), number, String(number));
    }
  });
  it("numbers the real-time signals from 34 to 64", () => {
    assert.equal(signalNumber("SIGRTMIN+1"), 35);
    assert.equal(signalNumber("RTMAX-1"), 63);
  });
});
