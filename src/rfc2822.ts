// Twilio writes its times in RFC 2822, in UTC and whole seconds: `Wed, 18 Aug 2010 20:20:06 +0000`, both in
// the REST API's resources and in the callbacks its platform sends.

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));

export function rfc2822(date: Date): string {
  // Built from the fields rather than from toUTCString, which takes three times as long: a list page
  // formats a hundred of these. Years outside 1000–9999 (no conference has one) keep toUTCString's form.
  const year = date.getUTCFullYear();
  if (!(year >= 1000 && year <= 9999)) return `${date.toUTCString().slice(0, -3)}+0000`;
  return `${DAYS[date.getUTCDay()]}, ${TWO_DIGITS[date.getUTCDate()]} ${MONTHS[date.getUTCMonth()]} ${year} ${TWO_DIGITS[date.getUTCHours()]}:${TWO_DIGITS[date.getUTCMinutes()]}:${TWO_DIGITS[date.getUTCSeconds()]} +0000`;
}
