import type { DataRecord, Exporter, ExportRun, ExportSession, PushdownRules, ReadContext, Source } from '@sluice/core';

/** The simplest correct source: an array, in order, honouring batchSize, signal and push-down. */
export class ArraySource implements Source {
  closed = 0;
  constructor(private readonly records: readonly DataRecord[]) {}

  async *read(ctx: ReadContext): AsyncIterable<DataRecord[]> {
    for (let i = 0; i < this.records.length; i += ctx.batchSize) {
      await new Promise((resolve) => setImmediate(resolve));
      ctx.signal.throwIfAborted();
      const slice = this.records.slice(i, i + ctx.batchSize);
      const batch = ctx.rules ? slice.filter(ctx.rules.candidate) : slice;
      if (batch.length < slice.length) ctx.skipped(slice.length - batch.length);
      if (batch.length > 0) yield batch;
    }
  }

  async check(): Promise<void> {}

  explain(rules: PushdownRules | undefined): string {
    return rules ? `array, keeping ${rules.fields.join(", ")} candidates` : "array";
  }

  async close(): Promise<void> {
    this.closed++;
  }
}

/** The simplest correct session exporter: records become visible per run and rule on end(). */
export class MemoryExporter implements Exporter {
  readonly delivery = 'session' as const;
  readonly store = new Map<string, DataRecord[]>();

  static key(run: ExportRun): string {
    return `${run.runId}/${run.rule}`;
  }

  async open(run: ExportRun): Promise<ExportSession> {
    run.signal.throwIfAborted();
    let pending: DataRecord[] | undefined = [];
    return {
      write: async (batch, signal) => {
        signal.throwIfAborted();
        if (!pending) throw new Error('session is over');
        pending.push(...batch.map((r) => structuredClone(r)));
      },
      end: async (signal) => {
        signal.throwIfAborted();
        if (!pending) throw new Error('session is over');
        if (pending.length > 0) this.store.set(MemoryExporter.key(run), pending);
        pending = undefined;
      },
      abort: async () => {
        pending = undefined;
      },
    };
  }

  async close(): Promise<void> {}
}
