// Talking to a monitor's attach.sock (native/README.md): every frame both ways is Docker's 8-byte header
// {type, 0, 0, 0, big-endian length} and the payload.
import { closeSync, openSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";

export const FRAME = { stdin: 0, stdout: 1, stderr: 2, closeStdin: 3, resize: 4, start: 5, started: 6 } as const;

/** sun_path holds 107 bytes and a NUL. */
const MAX_SOCKET_PATH = 107;

export function encodeFrame(type: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** The resize frame's payload: rows and columns as big-endian uint16. */
export function resizePayload(rows: number, cols: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt16BE(rows, 0);
  payload.writeUInt16BE(cols, 2);
  return payload;
}

/** Connects to `dir`/attach.sock; a path too long for sun_path goes through /proc/self/fd of the open directory. */
export function connectAttach(dir: string): Promise<Socket> {
  const path = join(dir, "attach.sock");
  const fd = Buffer.byteLength(path) > MAX_SOCKET_PATH ? openSync(dir, "r") : undefined;
  return new Promise((resolve, reject) => {
    const socket = connect(fd === undefined ? path : `/proc/self/fd/${fd}/attach.sock`);
    const settle = () => {
      if (fd !== undefined) closeSync(fd);
      socket.off("connect", onConnect);
      socket.off("error", onError);
    };
    const onConnect = () => {
      settle();
      resolve(socket);
    };
    const onError = (err: Error) => {
      settle();
      reject(err);
    };
    socket.once("connect", onConnect);
    socket.once("error", onError);
  });
}

/** One control frame (start, resize, close stdin) on a short-lived connection. */
export async function sendFrame(dir: string, type: number, payload?: Buffer): Promise<void> {
  const socket = await connectAttach(dir);
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.end(encodeFrame(type, payload), () => resolve());
  });
  socket.destroy();
}

/** Splits the monitor's byte stream into frames; `onFrame` gets each whole one. */
export function frameReader(onFrame: (type: number, payload: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 8) {
      const length = pending.readUInt32BE(4);
      if (pending.length < 8 + length) break;
      onFrame(pending[0]!, pending.subarray(8, 8 + length));
      pending = pending.subarray(8 + length);
    }
  };
}

/** execve failed after a release: the process is gone. */
export class ExecFailure extends Error {
  override name = "ExecFailure";
}

/**
 * Releases a process set up with hold (the start frame), and resolves once it has called execve; rejects with an
 * ExecFailure and the monitor's message when execve failed (e.g. a binary for another architecture).
 */
export async function release(dir: string): Promise<void> {
  const socket = await connectAttach(dir);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.on("data", frameReader((type, payload) => {
        if (type !== FRAME.started) return; // the process's output, for attachers
        if (payload.length === 0) resolve();
        else reject(new ExecFailure(payload.toString()));
      }));
      socket.once("error", reject);
      socket.once("close", () => reject(new Error("berth-monitor ended before the process started")));
      socket.write(encodeFrame(FRAME.start));
    });
  } finally {
    socket.destroy();
  }
}
