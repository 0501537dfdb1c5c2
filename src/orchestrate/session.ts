// This process's standard streams joined to a hijacked exec or attach connection: the output demultiplexed onto
// stdout and stderr (one raw stream with a TTY), stdin sent until it ends, the terminal in raw mode and its size
// followed while a TTY session lasts.
import type { Duplex } from "node:stream";
import type Docker from "dockerode";

export interface SessionOptions {
  tty: boolean;
  /** send standard input (its end half-closes the connection, so the process sees EOF) */
  stdin: boolean;
  /** tells the engine the terminal's size */
  resize?: (size: { h: number; w: number }) => Promise<unknown>;
}

/** Resolves once the connection's output has ended. */
export async function session(docker: Docker, connection: Duplex, options: SessionOptions): Promise<void> {
  const ended = new Promise<void>((resolve) => {
    connection.once("end", resolve);
    connection.once("close", resolve);
  });
  if (options.tty) connection.pipe(process.stdout, { end: false });
  else docker.modem.demuxStream(connection, process.stdout, process.stderr);

  const raw = options.tty && options.stdin && process.stdin.isTTY;
  if (raw) process.stdin.setRawMode(true);
  const resize = () => void options.resize?.({ h: process.stdout.rows, w: process.stdout.columns }).catch(() => undefined);
  if (options.tty && process.stdout.isTTY) {
    resize();
    process.stdout.on("resize", resize);
  }
  if (options.stdin) process.stdin.pipe(connection);
  try {
    await ended;
  } finally {
    process.stdout.off("resize", resize);
    if (options.stdin) {
      process.stdin.unpipe(connection);
      process.stdin.pause(); // let the process exit although stdin stays open
    }
    if (raw) process.stdin.setRawMode(false);
  }
}
