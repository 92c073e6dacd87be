import type { DataRecord } from '@sluice/core';
import type { PreparedRow } from './write-batch.js';

/**
 * The rows of an upsert batch grouped by conflict key, written in rounds.
 *
 * One INSERT … ON CONFLICT cannot touch a row twice, so each round holds
 * one record per key: first the record that writing the records one by one
 * would leave in the table (the last of its key with `DO UPDATE`, the first
 * with `DO NOTHING`). The others of its key count as exported once it is
 * written, exactly as if they had been written and then overwritten (or
 * ignored). If the server refuses it, the next record of that key in the
 * same order goes into the next round, and so on, so a key ends up with the
 * record the one-by-one writes would have left, and every record is either
 * written, superseded by a written one, or refused: none is dropped.
 *
 * Keys are compared by their column texts; keys the server finds equal
 * although their texts differ make the server refuse the round (see
 * `isKeyCollision`).
 */
export class UpsertRounds {
  readonly #rows: readonly PreparedRow[];
  readonly #keyIndexes: readonly number[];
  /** Each row's key, by position. */
  readonly #keys: string[] = [];
  /**
   * Per key, the positions in `rows` of the records not yet tried, in the
   * order they are tried; a key's only record is held as its position alone
   * (most keys, in the common batch of distinct keys: no array per row).
   */
  readonly #queues = new Map<string, number | number[]>();
  /** Record → key, built only when the server refuses a round. */
  #keyOf: Map<DataRecord, string> | undefined;

  /** `keyIndexes`: positions of the conflict columns in a row's values; `lastWins`: `DO UPDATE` (else `DO NOTHING`). */
  constructor(rows: readonly PreparedRow[], keyIndexes: readonly number[], lastWins: boolean) {
    this.#rows = rows;
    this.#keyIndexes = keyIndexes;
    const queues = this.#queues;
    for (let i = 0; i < rows.length; i++) {
      const key = this.#key(rows[i]!);
      this.#keys.push(key);
      const queue = queues.get(key);
      if (queue === undefined) queues.set(key, i);
      else if (typeof queue === 'number') queues.set(key, [queue, i]);
      else queue.push(i);
    }
    if (lastWins) for (const queue of queues.values()) if (typeof queue !== 'number') queue.reverse();
  }

  /** The first round: one record per key, in batch order. */
  first(): PreparedRow[] {
    return this.#take(this.#queues.keys());
  }

  /** The next round after the server refused `refused`: the next record of each of their keys, in batch order. */
  next(refused: readonly { readonly record: DataRecord }[]): PreparedRow[] {
    this.#keyOf ??= new Map(this.#rows.map((row, i) => [row.record, this.#keys[i]!]));
    const keys = new Set<string>();
    for (const { record } of refused) {
      const key = this.#keyOf.get(record);
      if (key !== undefined) keys.add(key);
    }
    return this.#take(keys);
  }

  #key(row: PreparedRow): string {
    const indexes = this.#keyIndexes;
    return indexes.length === 1 ? JSON.stringify(row.values[indexes[0]!]) : JSON.stringify(indexes.map((k) => row.values[k]));
  }

  #take(keys: Iterable<string>): PreparedRow[] {
    const queues = this.#queues;
    const positions: number[] = [];
    for (const key of keys) {
      const queue = queues.get(key);
      if (queue === undefined) continue;
      if (typeof queue === 'number') {
        positions.push(queue);
        queues.delete(key);
        continue;
      }
      positions.push(queue.shift()!);
      if (queue.length === 0) queues.delete(key);
    }
    positions.sort((a, b) => a - b);
    return positions.map((position) => this.#rows[position]!);
  }
}
