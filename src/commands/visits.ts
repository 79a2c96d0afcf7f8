// A call's visits to rooms through the voice webhook. The platform's idempotency token tells a retry from a
// new request; without it, a voice request says only "call A, room R", which a retry and a call that left
// and came back both say. So the key of such a request is completed inside the transaction, under the
// call's lock, with the number of the visit it belongs to: the call's last visit when that was to the same
// room and the call is still in it (or was turned away from it: the platform hangs up on those), else the
// next. The <Dial action> URL the answer writes names that visit, so that each leave is its own delivery and
// a late one for an earlier visit changes nothing.

import type { VisitState } from '../store/locks.js';

/** How a delivery stands to its call's visits. */
export type VisitRule =
  /** A voice request: it opens a visit or repeats the open one; `foldIntoKey` when it came without a token. */
  | { type: 'opens'; foldIntoKey: boolean }
  /** A <Dial action>: it ends visit `visit`, the one named in its URL. */
  | { type: 'ends'; visit: number };

/** The visit a voice request for `room` belongs to, given whether the call is in the room's conference. */
export function visitOf(visits: VisitState, room: string, present: boolean): number {
  const repeats = visits.room === room && (present || visits.turnedAway);
  return repeats ? visits.visit : visits.visit + 1;
}

/** Whether a <Dial action> is about a visit the call has since moved on from. */
export function endsAnEarlierVisit(visits: VisitState, rule: VisitRule | undefined): boolean {
  return rule?.type === 'ends' && visits.visit > rule.visit;
}
