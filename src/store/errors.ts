// Which database failures mean "not now" rather than "never": the server is unreachable, restarting, out of
// connections, or a lock could not be had in time. Callers answer those with 503 so that senders retry.

const UNAVAILABLE_SQLSTATE_CLASSES = ['08', '53', '57'];
const UNAVAILABLE_SQLSTATES = ['55P03', '40P01'];
const UNAVAILABLE_NODE_CODES = [
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
];
const UNAVAILABLE_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /connection terminated/i,
  /Connection ended unexpectedly/i,
  /Client has encountered a connection error/i,
  /driver has already been destroyed/i,
];

export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (UNAVAILABLE_NODE_CODES.includes(code) || UNAVAILABLE_SQLSTATES.includes(code)) return true;
    if (code.length === 5 && UNAVAILABLE_SQLSTATE_CLASSES.includes(code.slice(0, 2))) return true;
  }
  return UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(error.message));
}
