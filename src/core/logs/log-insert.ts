/**
 * The one statement that stores a batch of `_logs` entries: the rows travel as one JSON array
 * parameter, so it is prepared once whatever the batch size (ids in ascending order, log-id.ts; a random one, as the column's default, when absent).
 */
export const INSERT_LOGS_SQL =
  "INSERT INTO `_logs` (`id`, `level`, `message`, `data`, `created`) " +
  "SELECT coalesce(value->>'id', 'r' || lower(hex(randomblob(7)))), value->>'level', value->>'message', value->'data', value->>'created' FROM json_each(?)";
