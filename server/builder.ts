import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import type { StaffViewer, StudentViewer, Viewer } from './auth/viewer.js';
import type { Context } from './context.js';
import { AppError } from './errors.js';
import { parseGlobalId } from './schema/global-id.js';
import { resolveNode, resolveNodes } from './schema/node-lookup.js';
import type { StaffRole } from './generated/prisma/client.js';
import type PrismaTypes from './generated/pothos-prisma-types.js';
import { getDatamodel } from './generated/pothos-prisma-types.js';

/**
 * `loggedIn`: any valid token, even one that must still change its password.
 * `authenticated` and the rest: a usable account. `role`: staff holding any of the roles.
 */
export interface AuthScopes {
  loggedIn: boolean;
  authenticated: boolean;
  student: boolean;
  staff: boolean;
  role: StaffRole | StaffRole[];
}

/**
 * The context a field behind `t.withAuth(scopes)` resolves with: the viewer its scope
 * guarantees, so resolvers never check the viewer's kind again.
 */
export interface AuthContexts {
  loggedIn: Context & { viewer: Viewer };
  authenticated: Context & { viewer: Viewer };
  student: Context & { viewer: StudentViewer };
  staff: Context & { viewer: StaffViewer };
  role: Context & { viewer: StaffViewer };
}

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  AuthScopes: AuthScopes;
  AuthContexts: AuthContexts;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
    File: { Input: File; Output: never };
    ID: { Input: string; Output: string | number };
  };
}>({
  defaultFieldNullability: false,
  plugins: [ScopeAuthPlugin, ErrorsPlugin, PrismaPlugin, RelayPlugin],
  scopeAuth: {
    authorizeOnSubscribe: true,
    authScopes: async ({ viewer }) => {
      const usable = viewer !== null && !viewer.mustChangePassword;
      return {
        loggedIn: viewer !== null,
        authenticated: usable,
        student: usable && viewer.kind === 'student',
        staff: usable && viewer.kind === 'staff',
        role: (wanted) => {
          if (!usable || viewer.kind !== 'staff') return false;
          return (Array.isArray(wanted) ? wanted : [wanted]).some((role) => viewer.roles.includes(role));
        },
      };
    },
    unauthorizedError: (_parent, { viewer, authFailure }) => {
      if (!viewer) return new AppError(authFailure ?? 'UNAUTHENTICATED');
      return new AppError(viewer.mustChangePassword ? 'PASSWORD_CHANGE_REQUIRED' : 'FORBIDDEN');
    },
  },
  prisma: {
    client: (ctx) => ctx.db.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    // A global id that cannot name a row is the client's mistake (NOT_FOUND), not a database error.
    decodeGlobalID: (globalID) => {
      const decoded = parseGlobalId(globalID);
      if (!decoded) throw new AppError('NOT_FOUND');
      return decoded;
    },
    nodeQueryOptions: { resolve: resolveNode },
    nodesQueryOptions: { resolve: resolveNodes },
  },
  errors: {
    defaultTypes: [AppError],
  },
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSON', JSONResolver);

// Everything needs a usable account unless a field opts out with `skipTypeScopes`.
builder.queryType({ authScopes: { authenticated: true } });
builder.mutationType({ authScopes: { authenticated: true } });
builder.subscriptionType({ authScopes: { authenticated: true } });
