/** The audit log, read by the gym's owner and, for platform actions, the platform admin. */
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { tenantAuth } from '../../http/auth-context.js';
import { pageQuery, replyPage } from '../../http/paging.js';
import { route } from '../../http/route.js';
import { AUDIT_ACTIONS, listPlatformAudit, listTenantAudit } from './audit.service.js';

const auditQuery = pageQuery.extend({ action: z.enum(AUDIT_ACTIONS).optional() });
const auditEntry = z
  .object({
    id: z.uuid(),
    action: z.enum(AUDIT_ACTIONS),
    actor: z.object({ id: z.uuid().nullable(), role: z.string() }).nullable().meta({ description: 'null when the system acted' }),
    target: z.object({ type: z.string(), id: z.uuid().nullable() }),
    details: z.record(z.string(), z.unknown()),
    address: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'AuditEntry' });

export function auditRoutes(deps: AppDeps) {
  return [
    route({
      method: 'get', path: '/api/audit', summary: "The gym's audit log, newest first, paged (owner)", tag: 'audit',
      roles: ['owner'], query: auditQuery, response: z.array(auditEntry),
      handler: async (ctx, { query }) => replyPage(ctx, await listTenantAudit(deps.uow, tenantAuth(ctx.state).tenantId, query)),
    }),
    route({
      method: 'get', path: '/api/platform/audit', summary: 'Platform actions (plans, suspensions), newest first, paged', tag: 'platform',
      roles: ['platform_admin'], query: auditQuery, response: z.array(auditEntry),
      handler: async (ctx, { query }) => replyPage(ctx, await listPlatformAudit(deps.uow, query)),
    }),
  ];
}
