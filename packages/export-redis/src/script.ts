import { createHash } from 'node:crypto';
import type { RedisClientLike } from './types.js';

/**
 * Runs a chunk of records in one command. ARGV[1] is a JSON array with one
 * entry per record, each a list of commands (lists of words). A record's
 * commands stop at its first error, which is reported as (record index,
 * command index, message); other records carry on. A script runs atomically,
 * so a chunk is applied whole or not at all, and one reply replaces a
 * thousand. The command index tells whether a refused record left anything
 * behind: a transient refusal (OOM) of its first command left nothing, so
 * the record can be sent again.
 */
export const WRITE_SCRIPT = `local records = cjson.decode(ARGV[1])
local failed = {}
for i = 1, #records do
  local commands = records[i]
  for j = 1, #commands do
    local reply = redis.pcall(unpack(commands[j]))
    if type(reply) == 'table' and reply.err then
      failed[#failed + 1] = i
      failed[#failed + 1] = j
      failed[#failed + 1] = reply.err
      break
    end
  end
end
return failed`;

const WRITE_SHA = createHash('sha1').update(WRITE_SCRIPT).digest('hex');

/** Why a record's commands stopped: the 1-based index of the refused command and the server's message. */
export interface CommandFailure {
  readonly step: number;
  readonly message: string;
}

/**
 * Sends one chunk (a JSON payload of per-record commands) and returns the
 * failures as a map from 1-based record index to the refused command.
 * `key` is declared when every command touches that one key, so a Cluster
 * routes the call to the key's node.
 */
export async function runChunk(client: RedisClientLike, payload: string, key?: string): Promise<Map<number, CommandFailure>> {
  const keys = key === undefined ? ['0'] : ['1', key];
  let reply: unknown;
  try {
    reply = await client.call('EVALSHA', WRITE_SHA, ...keys, payload);
  } catch (error) {
    // The script cache is empty after a restart or failover: send the source once.
    if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
    reply = await client.call('EVAL', WRITE_SCRIPT, ...keys, payload);
  }
  const failures = new Map<number, CommandFailure>();
  if (Array.isArray(reply)) {
    for (let i = 0; i + 2 < reply.length; i += 3) failures.set(Number(reply[i]), { step: Number(reply[i + 1]), message: String(reply[i + 2]) });
  }
  return failures;
}
