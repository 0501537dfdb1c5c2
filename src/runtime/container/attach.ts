// A client's stream (a hijacked HTTP connection) joined to a monitor's attach.sock: output frames out,
// raw with a TTY and multiplexed without; the client's bytes in as stdin frames.
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { connectAttach, encodeFrame, FRAME, frameReader } from "./attach-socket.js";
import type { Container } from "./lifecycle.js";

export interface AttachOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  /** Close the process's stdin when the client ends its input (Docker's StdinOnce). */
  closeStdinOnEnd: boolean;
}

/** Copies between `monitor` and `client` until the monitor closes (the process ended) or the client goes away. */
export function bridge(monitor: Socket, client: Duplex, options: AttachOptions): Promise<void> {
  return new Promise((resolve) => {
    const wanted = (type: number) => (type === FRAME.stdout && options.stdout) || (type === FRAME.stderr && options.stderr);
    monitor.on(
      "data",
      frameReader((type, payload) => {
        if (wanted(type)) client.write(options.tty ? payload : encodeFrame(type, payload));
      }),
    );
    if (options.stdin) {
      client.on("data", (chunk: Buffer) => monitor.write(encodeFrame(FRAME.stdin, chunk)));
      client.once("end", () => {
        if (options.closeStdinOnEnd && !monitor.destroyed) monitor.write(encodeFrame(FRAME.closeStdin));
      });
    } else {
      client.resume(); // input is not wanted, but must be drained for the end of the stream to be seen
    }
    monitor.once("close", () => resolve());
    monitor.once("error", () => monitor.destroy());
    client.once("close", () => monitor.destroy());
    client.once("error", () => monitor.destroy());
  });
}

/**
 * Attaches `client` to the container: at once when it runs, otherwise at its next start, before the
 * process is released (so no output is lost). Resolves when the attachment ends; the client stays open.
 */
export async function attachContainer(c: Container, client: Duplex, options: AttachOptions): Promise<void> {
  if (c.running) {
    // A process that ended a moment ago has closed its socket: there is nothing more to attach to.
    const monitor = await connectAttach(c.dir).catch(() => undefined);
    if (monitor) await bridge(monitor, client, options);
    return;
  }
  const connected = new Promise<Socket | undefined>((resolve) => {
    const gate = async () => {
      resolve(await connectAttach(c.dir).catch(() => undefined));
    };
    c.attachGates.add(gate);
    client.once("close", () => {
      c.attachGates.delete(gate);
      resolve(undefined);
    });
  });
  const monitor = await connected;
  if (monitor) await bridge(monitor, client, options);
}
