/** Progress text for long imports (CLI line, upload page): "120,000 rows read · 85,000 rows/s · about 3 s left". */

export interface ProgressState {
  rowsRead: number;
  elapsedMs: number;
  bytesRead?: number;
  totalBytes?: number;
}

const int = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

export function progressLine({ rowsRead, elapsedMs, bytesRead, totalBytes }: ProgressState): string {
  const parts = [`${int.format(rowsRead)} ${rowsRead === 1 ? "row" : "rows"} read`];
  if (elapsedMs > 0) {
    parts.push(`${int.format(Math.round((rowsRead * 1000) / elapsedMs))} rows/s`);
    // Rows per second says nothing about what is left; bytes read against the file size does.
    if (totalBytes !== undefined && bytesRead !== undefined && bytesRead > 0 && totalBytes > 0) {
      const leftMs = (Math.max(0, totalBytes - bytesRead) * elapsedMs) / bytesRead;
      parts.push(`about ${duration(leftMs)} left`);
    }
  }
  return parts.join(" · ");
}

function duration(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  return `${Math.floor(min / 60)} h ${min % 60} min`;
}
