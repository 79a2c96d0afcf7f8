// Twilio writes its times in RFC 2822, in UTC and whole seconds: `Wed, 18 Aug 2010 20:20:06 +0000`, both in
// the REST API's resources and in the callbacks its platform sends.

export function rfc2822(date: Date): string {
  // toUTCString gives the same fields and always ends with ` GMT`; a list page formats a hundred of these.
  return `${date.toUTCString().slice(0, -3)}+0000`;
}
