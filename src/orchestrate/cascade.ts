// What foreground `up` does when a container exits, by Compose's rules (cmd/formatter's log printer):
// --abort-on-container-exit stops everything at the first exit, --abort-on-container-failure at the first
// non-zero one, and the command's exit status comes from the container that caused it, or from the
// --exit-code-from service. Exits of containers the abort itself stopped decide nothing.
export type Cascade = "ignore" | "stop" | "fail";

export class ExitRules {
  private aborting = false;
  /** the command's exit status so far */
  exitCode = 0;

  constructor(
    private readonly cascade: Cascade,
    /** --exit-code-from: this service's exit status is the command's, even when the abort stopped it */
    private readonly exitCodeFrom?: string,
  ) {}

  /** A container of `service` exited with `code`: true when the rest must now be stopped. */
  exited(service: string, code: number): boolean {
    if (service === this.exitCodeFrom) this.exitCode = code;
    if (this.aborting || this.cascade === "ignore" || (this.cascade === "fail" && code === 0)) return false;
    this.aborting = true;
    if (this.exitCodeFrom === undefined) this.exitCode = code;
    return true;
  }
}
