/** Every domain module's routes, mounted under /api in this order. */
import type { AppDeps } from '../deps.js';
import type { AnyRoute } from '../http/route.js';
import { healthRoutes } from './health/health.routes.js';
import { gymDomainRoutes } from './gym-domain.routes.js';
import { authRoutes } from './auth/auth.routes.js';
import { webSessionRoutes } from './auth/web.routes.js';
import { tenantRoutes } from './tenants/tenants.routes.js';
import { platformRoutes } from './tenants/platform.routes.js';
import { displayTokenRoutes } from './display-tokens/display-tokens.routes.js';
import { auditRoutes } from './audit/audit.routes.js';
import { apiKeyRoutes } from './api-keys/api-keys.routes.js';
import { webhookRoutes } from './webhooks/webhooks.routes.js';

export function moduleRoutes(deps: AppDeps): AnyRoute[] {
  return [...healthRoutes(deps), ...gymDomainRoutes(deps), ...authRoutes(deps), ...webSessionRoutes(deps), ...tenantRoutes(deps), ...platformRoutes(deps), ...displayTokenRoutes(deps), ...auditRoutes(deps), ...apiKeyRoutes(deps), ...webhookRoutes(deps)];
}
