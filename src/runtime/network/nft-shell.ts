// nft transactions run by one long-lived shell instead of a process spawned by berthd for each: child_process.spawn
// forks berthd (~60 MB) and costs its main thread ~4 ms per run; the shell, a small process, forks nft far more
// cheaply and off that thread. Scripts go to the shell's stdin, one after another, each ended by a line holding
// only "."; for each, the shell pipes it to `nft -f -` and writes nft's output then a \x01 and nft's exit status on
// a line. When berthd goes, even by kill -9, the shell reads end-of-file and exits.
import { spawn, type ChildProcess } from "node:child_process";
import { Slots } from "./slots.js";

const LOOP = `
while :; do
  script=
  while IFS= read -r line || exit 0; do
    [ "$line" = . ] && break
    script="$script$line
"
  done
  printf %s "$script" | "$@" -f - 2>&1
  printf '\\001%d\\n' $?
done
`;

/** Exit status of a shell that could not find the command. */
const NOT_FOUND = 127;

export class NftShell {
  private child?: ChildProcess;
  private output = "";
  private pending?: { resolve: (out: string) => void; reject: (err: Error) => void };
  /** One script at a time: their answers come back in order on one pipe. */
  private readonly serial = new Slots(1);

  /** `command`: how to run nft (tests: through nsenter into a throwaway namespace). */
  constructor(private readonly command: readonly string[] = ["nft"]) {}

  /** Runs `script` as one `nft -f -` transaction; resolves with nft's output, rejects with its message. */
  run(script: string): Promise<string> {
    return this.serial.run(() => this.send(script));
  }

  /** Ends the shell (it also ends by itself when berthd does). */
  close(): void {
    this.child?.stdin!.end();
    this.child = undefined;
  }

  private send(script: string): Promise<string> {
    const lines = script.split("\n").filter((line) => line !== "");
    // "." ends a script; nft ignores blank lines, and no nft command is a lone dot.
    if (lines.includes(".")) return Promise.reject(new Error("nft script has a line holding only '.'"));
    const child = this.shell();
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.hold(true);
      child.stdin!.write(`${lines.join("\n")}\n.\n`);
    });
  }

  /** While nft runs, the shell keeps the event loop alive; idle, it must not keep berthd's. */
  private hold(on: boolean): void {
    const child = this.child;
    if (!child) return;
    for (const handle of [child, child.stdin, child.stdout] as unknown as { ref(): void; unref(): void }[]) {
      if (on) handle.ref();
      else handle.unref();
    }
  }

  private shell(): ChildProcess {
    if (this.child) return this.child;
    const child = spawn("sh", ["-c", LOOP, "nft-shell", ...this.command], { stdio: ["pipe", "pipe", "inherit"] });
    this.child = child;
    this.output = "";
    child.stdin!.on("error", () => {}); // a dead shell shows as its exit, below
    child.stdout!.on("data", (chunk: Buffer) => this.read(chunk.toString()));
    const gone = (why: string) => {
      if (this.child === child) this.child = undefined;
      this.settle(new Error(`the nft shell ${why} before nft answered`));
    };
    child.once("error", (err) => gone(`failed (${err.message})`));
    child.once("exit", (code, signal) => gone(`exited (${signal ?? code})`));
    return child;
  }

  private read(chunk: string): void {
    this.output += chunk;
    const end = /\x01(\d+)\n$/.exec(this.output);
    if (!end) return;
    const output = this.output.slice(0, end.index);
    const status = Number(end[1]);
    this.output = "";
    if (status === 0) this.settle(undefined, output);
    else if (status === NOT_FOUND) this.settle(new Error(`${this.command[0]} is not installed; berth's bridge networks need nftables (apt-get install nftables)`));
    else this.settle(new Error(`nft -f -: ${output.trim()}`));
  }

  private settle(err: Error | undefined, output = ""): void {
    const pending = this.pending;
    this.pending = undefined;
    this.hold(false);
    if (err) pending?.reject(err);
    else pending?.resolve(output);
  }
}
