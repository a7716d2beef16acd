import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A CAS 3.0 server on a free 127.0.0.1 port, for tests (not a test file). `/login?service=`
 * signs in whoever the test named with `signInAs` and redirects to the service with a
 * ticket; `/p3/serviceValidate` answers per the protocol specification: the user and their
 * attributes, or `INVALID_TICKET` (unknown or used ticket: tickets are single-use), or
 * `INVALID_SERVICE` (a ticket issued for another service, which is then spent too).
 */
export interface TestCasServer {
  baseUrl: string;
  /** Who the next `/login` signs in, and the attributes released with them. */
  signInAs(user: string, attributes?: Record<string, string | string[]>): void;
  /** A ticket as `/login` would issue it for `service`. */
  issueTicket(service: string): string;
  close(): Promise<void>;
}

export async function startCasServer(): Promise<TestCasServer> {
  const tickets = new Map<string, { service: string; user: string; attributes: Record<string, string | string[]> }>();
  let current = { user: '', attributes: {} as Record<string, string | string[]> };
  const issueTicket = (service: string) => {
    const ticket = `ST-${randomBytes(12).toString('hex')}`;
    tickets.set(ticket, { service, ...current });
    return ticket;
  };

  const http = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://cas');
    const service = url.searchParams.get('service') ?? '';
    if (url.pathname === '/cas/login') {
      const target = new URL(service);
      target.searchParams.set('ticket', issueTicket(service));
      res.writeHead(302, { location: target.href }).end();
      return;
    }
    if (url.pathname === '/cas/p3/serviceValidate') {
      const ticket = tickets.get(url.searchParams.get('ticket') ?? '');
      tickets.delete(url.searchParams.get('ticket') ?? '');
      res.writeHead(200, { 'content-type': 'application/xml; charset=utf-8' });
      if (!ticket) return void res.end(failure('INVALID_TICKET', 'Ticket not recognized'));
      if (ticket.service !== service) return void res.end(failure('INVALID_SERVICE', 'Ticket was issued for another service'));
      return void res.end(success(ticket.user, ticket.attributes));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(http.address() as AddressInfo).port}/cas`,
    signInAs: (user, attributes = {}) => void (current = { user, attributes }),
    issueTicket,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function success(user: string, attributes: Record<string, string | string[]>): string {
  const released = Object.entries(attributes)
    .flatMap(([name, values]) => (Array.isArray(values) ? values : [values]).map((value) => `      <cas:${name}>${escapeXml(value)}</cas:${name}>`))
    .join('\n');
  return `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
  <cas:authenticationSuccess>
    <cas:user>${escapeXml(user)}</cas:user>
    <cas:attributes>
${released}
    </cas:attributes>
  </cas:authenticationSuccess>
</cas:serviceResponse>`;
}

function failure(code: string, message: string): string {
  return `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
  <cas:authenticationFailure code="${code}">${escapeXml(message)}</cas:authenticationFailure>
</cas:serviceResponse>`;
}
