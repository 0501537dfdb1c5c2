// up's timed pull policies (daily, weekly, every_<duration>): pull when the image is missing or its tag was put
// on longer ago than the interval. Pure planning, with the clock and the images' LastTagTime injected.
import assert from "node:assert/strict";
import { desiredState } from "../../../src/plan/desired.js";
import type { Plan } from "../../../src/plan/plan.js";
import { imageAction, planUp, type UpOptions } from "../../../src/plan/reconcile.js";
import { inlineProject, runningContainer } from "./inline-project.js";

const HOUR = 3_600_000;
const NOW = Date.parse("2026-11-30T12:00:00Z");

function plan(policy: string, imageIds: Record<string, string>, options: UpOptions): Plan {
  const loaded = inlineProject(`services:\n  a: {image: busybox, pull_policy: ${policy}}\n`);
  const desired = desiredState({ project: loaded.project, graph: loaded.graph, workingDir: loaded.projectDir, configFiles: loaded.configFiles, services: [], imageIds });
  return planUp({ containers: [runningContainer(loaded, "a", 1)], networks: new Set(["demo_default"]), volumes: new Set() }, desired, options);
}

const kinds = (p: Plan) => p.nodes.map((n) => n.op.kind);
const present = { busybox: "sha256:img" };
const pulledAgo = (ms: number): UpOptions => ({ now: NOW, imagePulledAt: { busybox: NOW - ms } });

describe("reconcile: timed pull policies", () => {
  it("daily pulls an image pulled more than 24 hours ago, not one pulled within them", () => {
    assert.deepEqual(kinds(plan("daily", present, pulledAgo(25 * HOUR))), ["pull-image"]);
    assert.deepEqual(kinds(plan("daily", present, pulledAgo(23 * HOUR))), []);
  });

  it("weekly measures a week", () => {
    assert.deepEqual(kinds(plan("weekly", present, pulledAgo(6 * 24 * HOUR))), []);
    assert.deepEqual(kinds(plan("weekly", present, pulledAgo(8 * 24 * HOUR))), ["pull-image"]);
  });

  it("every_<duration> measures its own interval", () => {
    assert.deepEqual(kinds(plan("every_30m", present, pulledAgo(29 * 60_000))), []);
    assert.deepEqual(kinds(plan("every_30m", present, pulledAgo(31 * 60_000))), ["pull-image"]);
    assert.deepEqual(kinds(plan("every_12h", present, pulledAgo(11 * HOUR))), []);
    assert.deepEqual(kinds(plan("every_12h", present, pulledAgo(13 * HOUR))), ["pull-image"]);
    assert.deepEqual(kinds(plan("every_1d12h", present, pulledAgo(35 * HOUR))), []);
  });

  it("a missing image is pulled whatever its age; one never tagged counts as never pulled", () => {
    assert.deepEqual(kinds(plan("daily", {}, pulledAgo(HOUR))).slice(0, 1), ["pull-image"]);
    assert.deepEqual(kinds(plan("daily", present, { now: NOW, imagePulledAt: {} })), ["pull-image"]);
  });

  it("the clock moving on turns a fresh image stale", () => {
    const loaded = inlineProject("services:\n  a: {image: busybox, pull_policy: every_2h}\n");
    const [service] = desiredState({ project: loaded.project, graph: loaded.graph, workingDir: loaded.projectDir, configFiles: [], services: [], imageIds: present }).services;
    const pulledAt = { busybox: NOW };
    assert.equal(imageAction(service!, { now: NOW + HOUR, imagePulledAt: pulledAt }), undefined);
    assert.equal(imageAction(service!, { now: NOW + 3 * HOUR, imagePulledAt: pulledAt }), "pull");
    assert.equal(imageAction(service!, { now: NOW + 3 * HOUR, imagePulledAt: pulledAt, pull: "missing" }), undefined, "--pull missing overrides it");
  });
});
