import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { frame, framedWriter, STDERR, STDOUT } from "../../../src/engine/stream.js";

describe("multiplexed stream framing", () => {
  it("prefixes the payload with type, three zero bytes and a big-endian length", () => {
    const out = frame(STDERR, Buffer.from("hi"));
    assert.deepEqual([...out], [2, 0, 0, 0, 0, 0, 0, 2, 0x68, 0x69]);
    const big = frame(STDOUT, Buffer.alloc(0x010203));
    assert.deepEqual([...big.subarray(0, 8)], [1, 0, 0, 0, 0, 0x01, 0x02, 0x03]);
    assert.equal(big.length, 8 + 0x010203);
  });

  it("frames what each writer gets onto one shared stream, in order, without ending it", async () => {
    const chunks: Buffer[] = [];
    const out = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        done();
      },
    });
    const stdout = framedWriter(out, STDOUT);
    const stderr = framedWriter(out, STDERR);
    await new Promise((r) => stdout.write("out", r));
    await new Promise((r) => stderr.write("err", r));
    await new Promise<void>((r) => stdout.end(Buffer.alloc(0), () => r()));
    assert.deepEqual(Buffer.concat(chunks), Buffer.concat([frame(STDOUT, Buffer.from("out")), frame(STDERR, Buffer.from("err"))]));
    assert.equal(out.writableEnded, false);
  });

  it("holds the next chunk back until the previous frame is flushed", async () => {
    const pending: (() => void)[] = [];
    const out = new Writable({
      highWaterMark: 1,
      write(_chunk, _encoding, done) {
        pending.push(done);
      },
    });
    const stdout = framedWriter(out, STDOUT);
    stdout.write("a");
    stdout.write("b");
    await new Promise((r) => setImmediate(r));
    assert.equal(pending.length, 1, "the second frame waits for the first");
    pending.shift()!();
    await new Promise((r) => setImmediate(r));
    assert.equal(pending.length, 1);
  });
});
