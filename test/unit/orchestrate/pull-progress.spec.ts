// Pull and push progress: Docker's JSON progress messages as layer events, and how each renderer shows them —
// plain lines only when a layer's state changes, json every event, the terminal a line per layer with bar and rate.
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import type { StreamMessage } from "../../../src/orchestrate/engine-stream.js";
import { layerEvent } from "../../../src/orchestrate/pull.js";
import { humanBytes, jsonRenderer, lineRenderer, PartLines, progressRenderer, type ProgressEvent } from "../../../src/orchestrate/progress.js";

const IMAGE = "Image 127.0.0.1:5000/app:1";
/** A pull of two layers as berthd (and dockerd) streams it. */
const PULL: StreamMessage[] = [
  { status: "Pulling from app", id: "1" },
  { status: "Already exists", id: "aaaaaaaaaaaa", progressDetail: {} },
  { status: "Pulling fs layer", id: "bbbbbbbbbbbb", progressDetail: {} },
  ...[500_000, 1_000_000, 1_500_000, 2_000_000].map((current) => ({ status: "Downloading", id: "bbbbbbbbbbbb", progressDetail: { current, total: 2_000_000 } })),
  { status: "Verifying Checksum", id: "bbbbbbbbbbbb", progressDetail: {} },
  { status: "Download complete", id: "bbbbbbbbbbbb", progressDetail: {} },
  { status: "Pull complete", id: "bbbbbbbbbbbb", progressDetail: {} },
  { status: "Digest: sha256:0123" },
  { status: "Status: Downloaded newer image for 127.0.0.1:5000/app:1" },
];
const events = (): ProgressEvent[] => PULL.flatMap((m) => layerEvent(IMAGE, m) ?? []);

describe("pull progress", () => {
  it("turns each layer message into an event of that layer; image-wide messages are none", () => {
    const all = events();
    assert.equal(all.length, 9, "Pulling from, Digest and Status are not layer events");
    assert.deepEqual(all[0], { resource: IMAGE, part: "aaaaaaaaaaaa", text: "Already exists", status: "done" });
    assert.deepEqual(all[3], { resource: IMAGE, part: "bbbbbbbbbbbb", text: "Downloading", status: "working", current: 1_000_000, total: 2_000_000 });
    assert.deepEqual(all.at(-1), { resource: IMAGE, part: "bbbbbbbbbbbb", text: "Pull complete", status: "done" });
    assert.equal(layerEvent(IMAGE, { status: "Pushed", id: "cccccccccccc", progressDetail: {} })!.status, "done");
    assert.equal(layerEvent(IMAGE, { status: "Mounted from library/base", id: "cccccccccccc" })!.status, "done");
    assert.equal(layerEvent(IMAGE, { status: "Pushing", id: "cccccccccccc", progressDetail: { current: 5, total: 10 } })!.status, "working");
  });

  it("plain: a line when a layer's state changes, none per byte count", () => {
    let out = "";
    const show = lineRenderer((line) => (out += line));
    show({ resource: IMAGE, text: "Pulling", status: "working" });
    events().forEach(show);
    show({ resource: IMAGE, text: "Pulled", status: "done" });
    assert.equal(
      out,
      [
        `${IMAGE}  Pulling`,
        `${IMAGE}  aaaaaaaaaaaa Already exists`,
        `${IMAGE}  bbbbbbbbbbbb Pulling fs layer`,
        `${IMAGE}  bbbbbbbbbbbb Downloading`,
        `${IMAGE}  bbbbbbbbbbbb Verifying Checksum`,
        `${IMAGE}  bbbbbbbbbbbb Download complete`,
        `${IMAGE}  bbbbbbbbbbbb Pull complete`,
        `${IMAGE}  Pulled`,
        "",
      ].join("\n"),
    );
  });

  it("json: every event, bytes included", () => {
    let out = "";
    const show = jsonRenderer((line) => (out += line));
    events().forEach(show);
    const parsed = out.trimEnd().split("\n").map((line) => JSON.parse(line) as ProgressEvent);
    assert.deepEqual(parsed, events());
    assert.deepEqual(parsed.filter((e) => e.text === "Downloading").map((e) => e.current), [500_000, 1_000_000, 1_500_000, 2_000_000]);
  });

  it("terminal lines: each layer's state, and while it moves a bar, its bytes and the rate since its first bytes", () => {
    let now = 0;
    const parts = new PartLines(() => now);
    const [exists, fsLayer, first, second] = events();
    parts.update(exists!);
    parts.update(fsLayer!);
    parts.update(first!); // 500kB at 0 s
    now = 2000;
    parts.update(second!); // 1MB at 2 s: 500kB in 2 s
    assert.equal(
      parts.text(),
      ["aaaaaaaaaaaa  Already exists", `${"bbbbbbbbbbbb  Downloading".padEnd(32)} [=========>          ] 1MB/2MB  250kB/s`].join("\n"),
    );
    parts.update(events().at(-1)!);
    assert.equal(parts.text().split("\n")[1], "bbbbbbbbbbbb  Pull complete", "a finished layer shows no bytes");
  });

  it("sizes in decimal units as Docker writes them", () => {
    assert.deepEqual([0, 999, 1000, 1_048_576, 123_456_789, 2e9].map(humanBytes), ["0B", "999B", "1kB", "1.05MB", "123MB", "2GB"]);
    assert.deepEqual([999.7, 999_999].map(humanBytes), ["1kB", "1MB"], "never 1000 of a unit");
  });

  it("terminal: one task per image with its layers beneath it while it pulls", async () => {
    const stream = new Writable({
      write(chunk, _encoding, done) {
        stream.text += String(chunk);
        done();
      },
    }) as unknown as NodeJS.WriteStream & { text: string };
    Object.assign(stream, { text: "", isTTY: true, columns: 120 });
    const renderer = await progressRenderer("tty", stream, {});
    renderer.progress({ resource: IMAGE, text: "Pulling", status: "working" });
    events().slice(0, 4).forEach(renderer.progress); // the second layer halfway
    await new Promise((resolve) => setTimeout(resolve, 300)); // a few frames
    const frames = stream.text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
    assert.match(frames, /Image 127\.0\.0\.1:5000\/app:1 {2}Pulling/);
    assert.match(frames, /aaaaaaaaaaaa {2}Already exists/);
    assert.match(frames, /bbbbbbbbbbbb {2}Downloading +\[=+>? *\] 1MB\/2MB/);
    events().slice(4).forEach(renderer.progress);
    renderer.progress({ resource: IMAGE, text: "Pulled", status: "done" });
    await renderer.stop();
    const last = stream.text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").trimEnd().split("\n").at(-1)!;
    assert.match(last, /Image 127\.0\.0\.1:5000\/app:1 {2}Pulled \[\d+(\.\d)?s\]$/, "once pulled, the layers go and the task shows its time");
  });
});
