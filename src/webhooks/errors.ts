// The answers other than success that a webhook route decides on itself. The app's error handler sends
// them with their status and the message as plain text, so a message must never hold a secret.

export class WebhookError extends Error {
  constructor(
    readonly statusCode: 400 | 403,
    message: string,
  ) {
    super(message);
  }
}

export function badRequest(message: string): WebhookError {
  return new WebhookError(400, message);
}

export function missing(name: string): never {
  throw badRequest(`${name} is missing`);
}
