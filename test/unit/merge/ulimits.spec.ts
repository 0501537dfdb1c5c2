import { strict as assert } from "node:assert";
import { mergedWeb } from "./merge-yaml.js";

describe("merge: ulimits", () => {
  it("merges by limit name; a single number replaces soft/hard and the reverse", () => {
    const web = mergedWeb(
      "services: {web: {ulimits: {nproc: 65535, nofile: {soft: 1024, hard: 2048}, core: {soft: 0, hard: 0}}}}",
      "services: {web: {ulimits: {nproc: {soft: 10, hard: 20}, nofile: {soft: 4096}, core: 1}}}",
    );
    assert.deepEqual(web.ulimits, { nproc: { soft: 10, hard: 20 }, nofile: { soft: 4096, hard: 2048 }, core: 1 });
  });

  it("!override replaces one limit", () => {
    const web = mergedWeb("services: {web: {ulimits: {nofile: {soft: 1, hard: 2}}}}", "services: {web: {ulimits: {nofile: !override {hard: 3}}}}");
    assert.deepEqual(web.ulimits, { nofile: { hard: 3 } });
  });
});
