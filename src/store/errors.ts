// Which database failures mean "not now" rather than "never", and why: the server is unreachable,
// restarting or out of connections (an outage), or two transactions waited on each other (a deadlock) or a
// lock could not be had in time (a lock timeout). Callers answer all three with 503 so that senders retry,
// but the last two are contention inside Conclave, not the database being away: they are told apart so that
// operators (and the fault suite) can see a lock-ordering fault rather than mistake it for an outage.

export type UnavailableCause = 'outage' | 'deadlock' | 'lock-timeout';

// Besides connection failures (08), insufficient resources (53) and an operator's intervention (57): a
// login refused (28: a password changed under the running server) and a database gone (3D000). Both come
// only while connecting, so they cannot stand for a fault in a statement.
const OUTAGE_SQLSTATE_CLASSES = ['08', '28', '53', '57'];
const OUTAGE_SQLSTATES = ['3D000'];
const CONTENTION_SQLSTATES: Record<string, UnavailableCause> = {
  '40P01': 'deadlock',
  '55P03': 'lock-timeout',
};
const OUTAGE_NODE_CODES = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE'];
const OUTAGE_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /connection terminated/i,
  /Connection ended unexpectedly/i,
  /Client has encountered a connection error/i,
  /driver has already been destroyed/i,
  // 55000 covers much besides; only this message of it is an outage (ALTER DATABASE … ALLOW_CONNECTIONS false).
  /is not currently accepting connections/i,
];

/** Why the database cannot serve this now, or null when the error is not a passing one. */
export function unavailableCause(error: unknown): UnavailableCause | null {
  if (!(error instanceof Error)) return null;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    const contention = CONTENTION_SQLSTATES[code];
    if (contention !== undefined) return contention;
    if (OUTAGE_NODE_CODES.includes(code)) return 'outage';
    if (OUTAGE_SQLSTATES.includes(code)) return 'outage';
    if (code.length === 5 && OUTAGE_SQLSTATE_CLASSES.includes(code.slice(0, 2))) return 'outage';
  }
  return OUTAGE_MESSAGES.some((pattern) => pattern.test(error.message)) ? 'outage' : null;
}

export function isDatabaseUnavailable(error: unknown): boolean {
  return unavailableCause(error) !== null;
}
