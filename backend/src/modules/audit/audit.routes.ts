/** The audit log, read by the gym's owner and, for platform actions, the platform admin. */
import { z } from 'zod';
import { auditEntrySchema, auditQuery } from '../../contracts/audit.js';
import type { AppDeps } from '../../deps.js';
import { tenantAuth } from '../../http/auth-context.js';
import { replyPage } from '../../http/paging.js';
import { route } from '../../http/route.js';
import { listPlatformAudit, listTenantAudit } from './audit.service.js';

export function auditRoutes(deps: AppDeps) {
  return [
    route({
      method: 'get', path: '/api/audit', summary: "The gym's audit log, newest first, paged (owner)", tag: 'audit',
      roles: ['owner'], query: auditQuery, response: z.array(auditEntrySchema),
      handler: async (ctx, { query }) => replyPage(ctx, await listTenantAudit(deps.uow, tenantAuth(ctx.state).tenantId, query)),
    }),
    route({
      method: 'get', path: '/api/platform/audit', summary: 'Platform actions (plans, suspensions), newest first, paged', tag: 'platform',
      roles: ['platform_admin'], query: auditQuery, response: z.array(auditEntrySchema),
      handler: async (ctx, { query }) => replyPage(ctx, await listPlatformAudit(deps.uow, query)),
    }),
  ];
}
