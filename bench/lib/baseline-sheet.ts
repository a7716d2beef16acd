/**
 * W1 baseline: a minimal node:http handler that answers the portal query's JSON
 * (viewer → clearanceItems { code name status reason department { name } contact { phone office } }
 * progress { required approved cleared }) from one hand-written SQL statement.
 * It does what the server must do at the least: verify the JWT (same TokenSigner),
 * check the credential's token version, read the sheet of the current cohort.
 * It skips GraphQL parsing/validation, the deferral check and per-field authorization.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenSigner } from '../../server/auth/tokens.js';

export type Query = (text: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

export const SHEET_SQL = `
  SELECT c."tokenVersion", c."mustChangePassword", s."surveyCompletedAt",
         t.code, t."nameZh" AS name, i.status::text AS status, i.reason, d."nameZh" AS department, ct.phone, ct."officeZh" AS office
  FROM "Credential" c
  JOIN "Student" s ON s.id = c."studentId"
  LEFT JOIN "ClearanceItem" i ON i."studentId" = s.id AND i."cohortId" = s."cohortId"
  LEFT JOIN "ItemTemplate" t ON t.id = i."templateId"
  LEFT JOIN "Department" d ON d.id = t."departmentId"
  LEFT JOIN LATERAL (
    SELECT x.phone, x."officeZh" FROM "DepartmentContact" x
    WHERE x."departmentId" = d.id AND (x."campusId" = s."campusId" OR x."campusId" IS NULL)
    ORDER BY x."campusId" IS NULL LIMIT 1
  ) ct ON true
  WHERE c.id = $1::uuid
  ORDER BY t.sequence`;

export function sheetJson(rows: Record<string, unknown>[]) {
  const items = rows
    .filter((r) => r.code !== null)
    .map((r) => ({
      code: r.code,
      name: r.name,
      status: r.status,
      reason: r.reason ?? null,
      department: { name: r.department },
      contact: r.office === null || r.office === undefined ? null : { phone: r.phone ?? null, office: r.office },
    }));
  const waived = items.filter((i) => i.status === 'WAIVED').length;
  const approved = items.filter((i) => i.status === 'APPROVED').length;
  return {
    data: {
      viewer: {
        clearanceItems: items,
        progress: { required: items.length - waived, approved, cleared: items.length > 0 && approved + waived === items.length },
      },
    },
  };
}

export function createBaselineServer(query: Query, jwtSecret: string): { server: Server; listen(): Promise<string> } {
  const tokens = new TokenSigner(jwtSecret, 900, 604800);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const match = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''));
        const claims = match ? await tokens.verify(match[1]!, 'access') : 'TOKEN_INVALID';
        if (typeof claims === 'string') return send(res, 200, { errors: [{ message: claims, extensions: { code: claims } }] });
        JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
        const rows = await query(SHEET_SQL, [claims.credentialId]);
        if (rows.length === 0 || rows[0]!.tokenVersion !== claims.version)
          return send(res, 200, { errors: [{ message: 'revoked', extensions: { code: 'TOKEN_REVOKED' } }] });
        if (rows[0]!.surveyCompletedAt === null) return send(res, 200, { errors: [{ message: 'survey', extensions: { code: 'SURVEY_REQUIRED' } }] });
        send(res, 200, sheetJson(rows));
      })().catch((error: unknown) => send(res, 500, { errors: [{ message: String(error) }] }));
    });
  });
  server.keepAliveTimeout = 65_000;
  return {
    server,
    listen: () => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`))),
  };
}

function send(res: import('node:http').ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
