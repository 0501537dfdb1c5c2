// Raw streams of the Docker API: hijacked connections (attach, exec start) and the multiplexed stdout/stderr framing.
import type { Socket } from "node:net";
import { Duplex, Readable, Writable } from "node:stream";
import type { Context } from "./router.js";

/** Content types Docker uses: raw bytes with a TTY, 8-byte-framed stdout/stderr without one. */
export const RAW_STREAM = "application/vnd.docker.raw-stream";
export const MULTIPLEXED_STREAM = "application/vnd.docker.multiplexed-stream";

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export type StreamType = typeof STDIN | typeof STDOUT | typeof STDERR;

/**
 * Takes the connection over for a bidirectional byte stream. A client that sent `Upgrade: tcp` (docker run,
 * docker exec, dockerode with hijack) gets `101 UPGRADED` and the bare socket; any other client gets a 200 whose
 * body carries the output, and whose request body (if any) is the input.
 */
export function hijack(ctx: Context, contentType: string): Duplex {
  if (!ctx.upgrade) {
    ctx.res.writeHead(200, { "Content-Type": contentType });
    ctx.res.flushHeaders();
    // A handler that read its options from the body leaves no input behind.
    const input = ctx.req.readableEnded ? Readable.from([]) : ctx.req;
    return Duplex.from({ readable: input, writable: ctx.res });
  }
  const { socket } = ctx.upgrade;
  ctx.res.detachSocket(socket as Socket);
  socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
  return socket;
}

/** One frame: stream type, three zero bytes, the payload length as big-endian uint32, then the payload. */
export function frame(type: StreamType, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/**
 * A writable that frames everything written to it as `type` onto `out`. Several of them (stdout, stderr) can share
 * one `out`; each waits for its frame to be flushed before taking the next chunk, so a slow client slows the
 * producer down instead of filling memory. Ending it does not end `out`.
 */
export function framedWriter(out: Writable, type: StreamType): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (chunk.length === 0) return done();
      out.write(frame(type, chunk), done);
    },
  });
}
