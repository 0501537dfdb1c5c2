import { strict as assert } from "node:assert";
import { mergedWeb } from "./merge-yaml.js";

describe("merge: build", () => {
  it("reads a string as the context, whichever side it is on", () => {
    assert.deepEqual(mergedWeb("services: {web: {build: ./app}}", "services: {web: {build: {dockerfile: Dockerfile.dev}}}").build, {
      context: "./app",
      dockerfile: "Dockerfile.dev",
    });
    assert.deepEqual(mergedWeb("services: {web: {build: {context: ./a, target: dev}}}", "services: {web: {build: ./b}}").build, { context: "./b", target: "dev" });
  });

  it("merges args, labels and additional contexts by key across both syntaxes", () => {
    const web = mergedWeb(
      "services: {web: {build: {context: ., args: [A=1, B=2], labels: {l: '1'}, additional_contexts: [base=./base]}}}",
      "services: {web: {build: {args: {B: '3'}, labels: [m=2], additional_contexts: {other: ./other}}}}",
    );
    assert.deepEqual(web.build, {
      context: ".",
      args: { A: "1", B: "3" },
      labels: { l: "1", m: "2" },
      additional_contexts: { base: "./base", other: "./other" },
    });
  });

  it("appends build extra_hosts in either syntax", () => {
    const web = mergedWeb("services: {web: {build: {extra_hosts: ['a=1.1.1.1']}}}", "services: {web: {build: {extra_hosts: {b: 2.2.2.2}}}}");
    assert.deepEqual((web.build as { extra_hosts: unknown }).extra_hosts, ["a=1.1.1.1", "b=2.2.2.2"]);
  });

  it("!override replaces the whole build", () => {
    const web = mergedWeb("services: {web: {build: {context: ., args: [A=1]}}}", "services: {web: {build: !override {context: ./b}}}");
    assert.deepEqual(web.build, { context: "./b" });
  });
});
