/** The audit log: who did what to whom, when, from which address. */
import { z } from 'zod';
import { instantSchema, pageQuery } from './common.js';

export const AUDIT_ACTIONS = [
  'member.role_changed',
  'member.deactivated',
  'member.reactivated',
  'member.password_reset',
  'member.password_changed',
  'auth.token_reuse_revoked',
  'display_token.created',
  'display_token.revoked',
  'api_key.created',
  'api_key.revoked',
  /** A key's use: at most one entry a minute per key, with the address (the key's last use). */
  'api_key.used',
  'tenant.plan_changed',
  'tenant.status_changed',
  'webhook.created',
  'webhook.updated',
  'webhook.deleted',
  'webhook.secret_rotated',
  'webhook.recovered',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const auditQuery = pageQuery.extend({ action: z.enum(AUDIT_ACTIONS).optional() });

export const auditEntrySchema = z
  .object({
    id: z.uuid(),
    action: z.enum(AUDIT_ACTIONS),
    actor: z.object({ id: z.uuid().nullable(), role: z.string() }).nullable().meta({ description: 'null when the system acted' }),
    target: z.object({ type: z.string(), id: z.uuid().nullable() }),
    details: z.record(z.string(), z.unknown()).meta({ description: 'Per action, e.g. the old and the new role' }),
    address: z.string().nullable().meta({ description: "The caller's address" }),
    created_at: instantSchema,
  })
  .meta({ id: 'AuditEntry' });
export type AuditLogEntry = z.infer<typeof auditEntrySchema>;
