import type { DataRecord } from '@sluice/core';

/** Collects records into batches of `size`, and counts push-down skips. */
export class BatchCollector {
  private current: DataRecord[] = [];
  private readonly full: DataRecord[][] = [];
  /** Rows dropped by push-down since the last drain. */
  skipped = 0;

  constructor(private readonly size: number) {}

  /** Records the partial batch still has room for. */
  get room(): number {
    return this.size - this.current.length;
  }

  add(record: DataRecord): void {
    this.current.push(record);
    if (this.current.length >= this.size) {
      this.full.push(this.current);
      this.current = [];
    }
  }

  /** Takes the completed batches; with `all`, the partial one too. */
  take(all: boolean): DataRecord[][] {
    const out = this.full.splice(0, this.full.length);
    if (all && this.current.length > 0) {
      out.push(this.current);
      this.current = [];
    }
    return out;
  }
}
