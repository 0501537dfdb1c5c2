// Docker's JSON progress messages, as `docker pull` renders them: one per event, with an `id` (short layer
// digest) for per-layer lines and `progressDetail` for the bars.

export interface ProgressMessage {
  /** Absent only on a push's closing `aux` message. */
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  /** The rendered bar, for clients that print it as is. */
  progress?: string;
  /** What a push produced: {Tag, Digest, Size}, which docker push reads. */
  aux?: { Tag: string; Digest: string; Size: number };
}

export type ProgressSink = (message: ProgressMessage) => void;

const BAR_WIDTH = 50;

/** `[=====>        ]  1.049MB/2.097MB`, as dockerd renders it. */
export function progressBar(current: number, total: number): string {
  const filled = total > 0 ? Math.min(BAR_WIDTH, Math.floor((current / total) * BAR_WIDTH)) : 0;
  const bar = filled === 0 ? " ".repeat(BAR_WIDTH) : `${"=".repeat(filled - 1)}>${" ".repeat(BAR_WIDTH - filled)}`;
  return `[${bar}] ${humanSize(current).padStart(8)}/${humanSize(total)}`;
}

/** Decimal units with four significant digits, as Docker's units.HumanSize: `1.049MB`. */
export function humanSize(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let size = bytes;
  let unit = 0;
  while (size >= 1000 && unit < units.length - 1) [size, unit] = [size / 1000, unit + 1];
  return `${Number(size.toPrecision(4))}${units[unit]}`;
}

/** `Downloading`/`Pushing` messages, sent at most every `step` bytes so that a fast transfer does not flood the client. */
export function byteReporter(send: ProgressSink, status: string, id: string, total: number, step = Math.max(64 * 1024, Math.floor(total / 100))): (current: number) => void {
  let last = -step;
  return (current) => {
    if (current - last < step && current !== total) return;
    last = current;
    send({ status, id, progressDetail: { current, total }, progress: progressBar(current, total) });
  };
}
