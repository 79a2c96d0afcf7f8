// How many live feeds one session and one account may hold open at once on this replica. Each feed is a
// socket and a listener of the event log, so without a cap one logged-in browser could open thousands.

export interface FeedCaps {
  perSession: number;
  perAccount: number;
}

export class FeedSlots {
  private readonly bySession = new Map<string, number>();
  private readonly byAccount = new Map<string, number>();

  constructor(private readonly caps: FeedCaps) {}

  /** Takes a slot and returns its release, or returns why none is free. */
  take(accountSid: string, sessionId: string): { release: () => void } | { refused: string } {
    const session = this.bySession.get(sessionId) ?? 0;
    const account = this.byAccount.get(accountSid) ?? 0;
    if (session >= this.caps.perSession) {
      return { refused: `This session already follows ${session} live feeds: close a tab and try again` };
    }
    if (account >= this.caps.perAccount) {
      return { refused: `This account already follows ${account} live feeds: close one and try again` };
    }
    adjust(this.bySession, sessionId, 1);
    adjust(this.byAccount, accountSid, 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        adjust(this.bySession, sessionId, -1);
        adjust(this.byAccount, accountSid, -1);
      },
    };
  }
}

function adjust(counts: Map<string, number>, key: string, by: number): void {
  const next = (counts.get(key) ?? 0) + by;
  if (next === 0) counts.delete(key);
  else counts.set(key, next);
}
