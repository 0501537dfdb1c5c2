// berthd's log: one timestamped line per event on standard error (the log file when the CLI started berthd).

export type LogLevel = "info" | "warn" | "error";

export function log(level: LogLevel, message: string): void {
  process.stderr.write(`${new Date().toISOString()} ${level} ${message}\n`);
}
