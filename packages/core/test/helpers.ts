import { z } from 'zod';
import { defineConnector } from '../src/define.js';
import type { ConnectorResolver } from '../src/config/load.js';
import type { ConnectorDefinition, DataRecord, Exporter, ExportRun, ExportSession, Logger, Source } from '../src/types.js';

export const silent: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silent;
  },
};

/** A source over records held in memory: the runner's tests need data, not a driver. */
export function memorySource(records: DataRecord[], options: { failAfter?: number; failWith?: () => Error } = {}): Source {
  return {
    async *read(ctx) {
      let batch: DataRecord[] = [];
      let count = 0;
      for (const record of records) {
        if (options.failAfter !== undefined && count === options.failAfter) throw options.failWith?.() ?? new Error('source broke');
        count++;
        batch.push(record);
        if (batch.length >= ctx.batchSize) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    },
  };
}

export interface RecordingExporter extends Exporter {
  /** Records that reached a successful end() / durable write, by rule. */
  readonly delivered: Map<string, DataRecord[]>;
  readonly calls: string[];
}

/**
 * An exporter that records what it was given and fails on command, so the
 * runner's retry, replay and dead-letter paths can be driven exactly.
 */
export function recordingExporter(
  delivery: 'batch' | 'session',
  behaviour: {
    write?: (batch: readonly DataRecord[], call: number) => Error | { reject: DataRecord[] } | void;
    end?: (call: number) => Error | void;
  } = {},
): RecordingExporter {
  const delivered = new Map<string, DataRecord[]>();
  const calls: string[] = [];
  let writes = 0;
  let ends = 0;
  return {
    delivery,
    delivered,
    calls,
    async open(run: ExportRun): Promise<ExportSession> {
      calls.push(`open ${run.rule}`);
      const pending: DataRecord[] = [];
      const keep = (records: readonly DataRecord[]): void => {
        const list = delivered.get(run.rule) ?? [];
        list.push(...records);
        delivered.set(run.rule, list);
      };
      return {
        async write(batch) {
          const outcome = behaviour.write?.(batch, ++writes);
          calls.push(`write ${batch.length}`);
          if (outcome instanceof Error) throw outcome;
          const rejected = outcome?.reject ?? [];
          const accepted = batch.filter((record) => !rejected.includes(record));
          if (delivery === 'batch') keep(accepted);
          else pending.push(...accepted);
          return { rejected: rejected.map((record) => ({ record, error: new Error('refused by target') })) };
        },
        async end() {
          const outcome = behaviour.end?.(++ends);
          calls.push('end');
          if (outcome instanceof Error) throw outcome;
          if (delivery === 'session') keep(pending);
        },
        async abort() {
          calls.push('abort');
          pending.length = 0;
        },
      };
    },
  };
}

export function fixedConnector(kind: 'source' | 'exporter', type: string, instance: Source | Exporter): ConnectorDefinition {
  return defineConnector({
    type,
    kind,
    schema: z.strictObject({ label: z.string().optional().describe('a label') }),
    create: () => instance as never,
  }) as ConnectorDefinition;
}

export function resolverFor(definitions: ConnectorDefinition[]): ConnectorResolver {
  return async (kind, type) =>
    definitions.find((definition) => definition.kind === kind && definition.type === type) ?? { error: `unknown ${kind} type "${type}"` };
}

export function retryable(message = 'temporarily unavailable', retryAfterMs?: number): Error {
  return Object.assign(new Error(message), { retryable: true, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
}
