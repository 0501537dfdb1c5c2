import assert from "node:assert/strict";
import { ValueError } from "../../../src/compose/errors.js";
import { parseUlimit, type Ulimit } from "../../../src/compose/syntax/ulimits.js";

describe("parseUlimit", () => {
  const valid: [string, unknown, Ulimit][] = [
    ["nproc", 65535, 65535],
    ["nproc", "65535", 65535],
    ["memlock", -1, -1],
    ["nofile", { soft: 20000, hard: 40000 }, { soft: 20000, hard: 40000 }],
    ["nofile", { soft: "1024", hard: "1024" }, { soft: 1024, hard: 1024 }],
    ["memlock", { soft: -1, hard: -1 }, { soft: -1, hard: -1 }],
    ["memlock", { soft: 1024, hard: -1 }, { soft: 1024, hard: -1 }],
  ];
  for (const [name, value, ulimit] of valid) {
    it(`reads ${name}: ${JSON.stringify(value)}`, () => assert.deepEqual(parseUlimit(name, value), ulimit));
  }

  const names = "core, cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack";
  const invalid: [string, unknown, string][] = [
    ["nofiles", 1024, `unknown ulimit "nofiles" (use one of ${names})`],
    ["nofile", "lots", `invalid ulimit value "lots" (use a whole number, or -1 for unlimited)`],
    ["nofile", 1.5, `invalid ulimit value 1.5 (use a whole number, or -1 for unlimited)`],
    ["nofile", -2, `invalid ulimit value -2 (use a whole number, or -1 for unlimited)`],
    ["nofile", true, `invalid ulimit value true (use a whole number, or -1 for unlimited)`],
    ["nofile", { soft: 1024 }, `ulimit "nofile" needs both soft and hard, e.g. {soft: 1024, hard: 2048}`],
    ["nofile", { soft: 2048, hard: 1024 }, `ulimit "nofile": soft limit 2048 is above hard limit 1024`],
    ["memlock", { soft: -1, hard: 1024 }, `ulimit "memlock": soft limit -1 is above hard limit 1024`],
    ["nofile", { soft: "x", hard: 1 }, `invalid ulimit value "x" (use a whole number, or -1 for unlimited)`],
  ];
  for (const [name, value, message] of invalid) {
    it(`refuses ${name}: ${JSON.stringify(value)}`, () => assert.throws(() => parseUlimit(name, value), new ValueError(message)));
  }
});
