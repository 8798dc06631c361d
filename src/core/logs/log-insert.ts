/**
 * The one statement that stores a batch of `_logs` entries: the rows travel as one JSON array
 * parameter, so it is prepared once whatever the batch size (ids come from the column default).
 */
export const INSERT_LOGS_SQL =
  "INSERT INTO `_logs` (`level`, `message`, `data`, `created`) " +
  "SELECT value->>'level', value->>'message', value->'data', value->>'created' FROM json_each(?)";
