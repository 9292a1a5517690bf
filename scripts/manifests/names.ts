// Names the manifests and realms share with the targets and the labs. Change
// one here and in the YAML/JSON together; `lab lint` and the unit tests check
// they agree.

import { TENANT_NAMESPACE } from '../core/config.js';

export { TENANT_NAMESPACE };
export const CATALOG = {
  namespace: TENANT_NAMESPACE,
  deployment: 'catalog',
  service: 'catalog',
  port: 8080,
  configMap: 'catalog-files',
  serviceAccount: 'catalog-irsa-sa',
} as const;

/** The kind target creates this TLS Secret in istio-system (self-signed, per lab). */
export const GATEWAY_TLS_SECRET = 'bookstore-gateway-tls';
export const REQUEST_AUTHENTICATION = { namespace: 'istio-system', name: 'storefront-keycloak' } as const;

/** Where Keycloak sends the browser after a storefront-web login (served by the catalog's static files). */
export const STOREFRONT_CALLBACK_PATH = '/static/callback.html';

export const CLIENTS = {
  storefront: 'storefront-web',
  adminPortal: 'admin-portal',
  wrongAudience: 'catalog-reporting',
  shortLived: 'kiosk-shortlived',
  globex: 'globex-portal',
} as const;

export const USERS = {
  demo: { username: 'demo-user', password: 'demo-password' },
  noTenant: { username: 'no-tenant-user', password: 'no-tenant-password' },
  globex: { username: 'globex-user', password: 'globex-password' },
} as const;

/** The placeholder that carries a confidential client's secret: LAB_<CLIENT_ID>_SECRET. */
export function clientSecretPlaceholder(clientId: string): string {
  return `LAB_${clientId.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_SECRET`;
}

/** The placeholder of bookstore-platform's imported (lab-only) RSA signing key. */
export const SIGNING_KEY_PLACEHOLDER = 'LAB_BOOKSTORE_SIGNING_KEY';
