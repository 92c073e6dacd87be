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
  /** Per key, the records not yet tried, in the order they are tried. */
  readonly #queues = new Map<string, PreparedRow[]>();
  readonly #keyOf = new Map<DataRecord, string>();
  readonly #position = new Map<PreparedRow, number>();

  /** `keyIndexes`: positions of the conflict columns in a row's values; `lastWins`: `DO UPDATE` (else `DO NOTHING`). */
  constructor(rows: readonly PreparedRow[], keyIndexes: readonly number[], lastWins: boolean) {
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const key = JSON.stringify(keyIndexes.map((k) => row.values[k]));
      this.#keyOf.set(row.record, key);
      this.#position.set(row, i);
      const queue = this.#queues.get(key);
      if (queue) queue.push(row);
      else this.#queues.set(key, [row]);
    }
    if (lastWins) for (const queue of this.#queues.values()) queue.reverse();
  }

  /** The first round: one record per key, in batch order. */
  first(): PreparedRow[] {
    return this.#take(this.#queues.keys());
  }

  /** The next round after the server refused `refused`: the next record of each of their keys, in batch order. */
  next(refused: readonly { readonly record: DataRecord }[]): PreparedRow[] {
    const keys = new Set<string>();
    for (const { record } of refused) {
      const key = this.#keyOf.get(record);
      if (key !== undefined) keys.add(key);
    }
    return this.#take(keys);
  }

  #take(keys: Iterable<string>): PreparedRow[] {
    const round: PreparedRow[] = [];
    for (const key of keys) {
      const row = this.#queues.get(key)?.shift();
      if (row) round.push(row);
    }
    return round.sort((a, b) => this.#position.get(a)! - this.#position.get(b)!);
  }
}
