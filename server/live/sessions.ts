import type { WebSocket } from 'ws';
import { hashApiToken, type Authentication, type StaffViewer } from '../auth/viewer.js';
import type { Services } from '../services/runtime.js';

/** 4403 like graphql-ws's own refusal: the socket's credentials are no longer good. */
export const CLOSE_FORBIDDEN = 4403;

interface Session {
  credentialId: string | null;
  staff: StaffViewer | null;
  /** For API-token sockets: the token's hash, so a replaced token ends them. */
  apiTokenHash: string | null;
  expiry: NodeJS.Timeout | null;
}

/**
 * Open sockets and what they were authorized as. A socket's operations keep the
 * viewer of its connection_init, so whatever changes that viewer ends the socket
 * (4403 with the reason), and the client reconnects with what it may now see:
 * a password change or logout (auth:revoked), an account whose roles, scope or
 * API token changed (account:changed, e.g. after importStaff), an expired access token.
 */
export class SocketSessions {
  private readonly sessions = new Map<WebSocket, Session>();

  constructor(private readonly services: Services) {}

  add(socket: WebSocket, { viewer }: Authentication, token: string | null) {
    if (!viewer) return;
    const staff = viewer.kind === 'staff' ? viewer : null;
    const session: Session = {
      credentialId: viewer.credentialId,
      staff,
      apiTokenHash: staff && !viewer.credentialId && token ? hashApiToken(token) : null,
      expiry: null,
    };
    if (viewer.tokenExpiresAt) {
      const delay = Math.max(0, viewer.tokenExpiresAt.getTime() - Date.now());
      session.expiry = setTimeout(() => socket.close(CLOSE_FORBIDDEN, 'Token expired'), Math.min(delay, 2 ** 31 - 1));
      session.expiry.unref();
    }
    this.sessions.set(socket, session);
  }

  remove(socket: WebSocket) {
    const session = this.sessions.get(socket);
    if (session?.expiry) clearTimeout(session.expiry);
    this.sessions.delete(socket);
  }

  revoke(credentialId: string) {
    for (const [socket, session] of this.sessions) {
      if (session.credentialId === credentialId) this.end(socket, 'Token revoked');
    }
  }

  /**
   * Re-reads the staff accounts behind open sockets (`reviewerIds`, or all of them) in
   * one statement and ends every socket whose account no longer matches what it was opened as.
   */
  async recheck(reviewerIds: readonly string[] | null) {
    const open = [...this.sessions].filter(([, session]) => session.staff && (!reviewerIds || reviewerIds.includes(session.staff.reviewerId)));
    if (open.length === 0) return;
    const accounts = await this.services.db.prisma.reviewer.findMany({
      where: { id: { in: [...new Set(open.map(([, session]) => session.staff!.reviewerId))] } },
      select: { id: true, active: true, roles: true, departmentId: true, collegeId: true, campusId: true, apiTokenHash: true },
    });
    const byId = new Map(accounts.map((account) => [account.id, account]));
    for (const [socket, session] of open) {
      const account = byId.get(session.staff!.reviewerId);
      const staff = session.staff!;
      const same =
        account?.active &&
        [...account.roles].sort().join() === [...staff.roles].sort().join() &&
        account.departmentId === staff.departmentId &&
        account.collegeId === staff.collegeId &&
        account.campusId === staff.campusId &&
        (session.apiTokenHash === null || account.apiTokenHash === session.apiTokenHash);
      if (!same) this.end(socket, 'Account changed');
    }
  }

  clear() {
    for (const session of this.sessions.values()) if (session.expiry) clearTimeout(session.expiry);
    this.sessions.clear();
  }

  private end(socket: WebSocket, reason: string) {
    this.remove(socket);
    socket.close(CLOSE_FORBIDDEN, reason);
  }
}

/** Every process acts on account events, wherever they were published. */
export function followAccountEvents(services: Services, sessions: SocketSessions): () => void {
  const stopRevocations = services.pubsub.listen('auth:revoked', ({ credentialId }) => sessions.revoke(credentialId));
  const stopChanges = services.pubsub.listen('account:changed', ({ reviewerIds }) => {
    sessions.recheck(reviewerIds).catch((error: unknown) => services.log.error('open sockets not re-checked after an account change', { error }));
  });
  return () => {
    stopRevocations();
    stopChanges();
  };
}
