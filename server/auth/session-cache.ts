import type { AppPubSub } from '../pubsub.js';
import type { StaffRole } from '../generated/prisma/client.js';

/**
 * How long a process trusts a session it read without reading it again. The account events
 * below drop an entry at once; this bounds only what no event announces (an account edited
 * directly in the database) or an event lost between processes (Redis unreachable).
 */
export const SESSION_CACHE_SECONDS = 15;
/** Sessions kept at once; past it the oldest go first (a June peak has tens of thousands of active students). */
const MAX_SESSIONS = 50_000;

/** A token's session family with its account, as authenticate() reads it in one statement. */
export interface SessionAccount {
  credentialId: string;
  revoked: boolean;
  tokenVersion: number;
  mustChangePassword: boolean;
  studentId: string | null;
  reviewerId: string | null;
  roles: StaffRole[] | null;
  departmentId: string | null;
  collegeId: string | null;
  campusId: string | null;
  active: boolean | null;
}

interface Entry {
  account: SessionAccount;
  until: number;
}

/**
 * The session families authenticate() read, per process, so a client sending requests in a
 * row costs one statement for the first only. Every process drops entries on the events that
 * change what they say: `auth:revoked` (logout, password change), `session:revoked` (a reused
 * refresh token) and `account:changed` (importStaff). A read that overlaps such an event is
 * not kept, so it can never bring back what the event removed. Sessions that are refused, or
 * still on an initial password, are never kept: they change on their owner's next step.
 */
export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  /** Counts the events seen; a read is kept only if none arrived while it ran. */
  private generation = 0;
  private readonly stops: (() => void)[];

  constructor(pubsub: Pick<AppPubSub, 'listen'>) {
    this.stops = [
      pubsub.listen('auth:revoked', ({ credentialId }) => this.forget((account) => account.credentialId === credentialId)),
      pubsub.listen('session:revoked', ({ familyId }) => this.forget((_, id) => id === familyId)),
      pubsub.listen('account:changed', ({ reviewerIds }) =>
        this.forget((account) => account.reviewerId !== null && (reviewerIds === null || reviewerIds.includes(account.reviewerId))),
      ),
    ];
  }

  async read(familyId: string, load: () => Promise<SessionAccount | undefined>): Promise<SessionAccount | undefined> {
    const now = Date.now();
    const kept = this.entries.get(familyId);
    if (kept && kept.until > now) return kept.account;
    if (kept) this.entries.delete(familyId);
    const generation = this.generation;
    const account = await load();
    if (account && !account.revoked && !account.mustChangePassword && generation === this.generation) {
      if (this.entries.size >= MAX_SESSIONS) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(familyId, { account, until: now + SESSION_CACHE_SECONDS * 1000 });
    }
    return account;
  }

  close() {
    for (const stop of this.stops) stop();
    this.entries.clear();
  }

  private forget(matches: (account: SessionAccount, familyId: string) => boolean) {
    this.generation++;
    for (const [familyId, entry] of this.entries) if (matches(entry.account, familyId)) this.entries.delete(familyId);
  }
}
