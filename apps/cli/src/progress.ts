import type { RunSummary } from '@sluice/core';

/**
 * A one-line progress display on stderr for long runs in a terminal; it
 * appears only after a second so short runs stay quiet.
 */
export class Progress {
  private last = 0;
  private shown = false;
  private readonly began = Date.now();

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  readonly update = (summary: Readonly<RunSummary>): void => {
    const now = Date.now();
    if (now - this.last < 250 || now - this.began < 1000) return;
    this.last = now;
    let read = 0;
    let matched = 0;
    for (const source of Object.values(summary.sources)) {
      read += source.read;
      matched += source.matched;
    }
    let exported = 0;
    for (const target of Object.values(summary.targets)) exported += target.exported;
    const rate = Math.round(read / ((now - this.began) / 1000));
    const fmt = (value: number): string => value.toLocaleString('en-US');
    this.stream.write(`\r\x1b[K${fmt(read)} read · ${fmt(matched)} matched · ${fmt(exported)} exported · ${fmt(rate)} records/s`);
    this.shown = true;
  };

  clear(): void {
    if (this.shown) this.stream.write('\r\x1b[K');
    this.shown = false;
  }
}
