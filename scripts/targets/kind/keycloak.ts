// Keycloak 24.0.5 in us-east from the Bitnami chart 21.4.4 (OCI). The realm
// files travel in a Secret (they name placeholders, and a learner may paste
// a secret into them), the placeholder values and the admin password in two
// more Secrets; nothing secret reaches a command line or a ConfigMap.
import { Secret } from 'kubernetes-models/v1/Secret';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { stringify } from 'yaml';
import { KEYCLOAK_CHART_VERSION, NODE_PORTS, keycloakPublicUrl, type LabConfig } from '../../core/config.js';
import type { LabSecrets } from '../../core/secrets.js';
import { realmImportFiles } from '../../manifests/index.js';
import { KEYCLOAK_IMAGE, POSTGRESQL_IMAGE } from './images.js';

export const KEYCLOAK_CHART = `oci://registry-1.docker.io/bitnamicharts/keycloak`;
export const KEYCLOAK_VERSION_PIN = KEYCLOAK_CHART_VERSION;
export const KEYCLOAK_NAMESPACE = 'keycloak';
export const KEYCLOAK_RELEASE = 'keycloak';
export const REALM_IMPORT_DIR = '/opt/bitnami/keycloak/data/import';

export const KEYCLOAK_SECRETS = {
  admin: 'keycloak-admin',
  adminPasswordKey: 'admin-password',
  realmEnv: 'keycloak-realm-env',
  realms: 'keycloak-realms',
} as const;

/**
 * The two overrides that make chart 21.4.4 start at all in 2025+: its default
 * images were deleted from docker.io/bitnami. They go on the command line so
 * the plan shows them.
 */
export const KEYCLOAK_SET: Record<string, string> = {
  'image.repository': KEYCLOAK_IMAGE.repository,
  'postgresql.image.repository': POSTGRESQL_IMAGE.repository,
};

export interface KeycloakValues {
  auth: { adminUser: string; existingSecret: string; passwordSecretKey: string };
  extraStartupArgs: string;
  extraEnvVars: Array<{ name: string; value: string }>;
  extraEnvVarsSecret: string;
  extraVolumes: Array<{ name: string; secret: { secretName: string } }>;
  extraVolumeMounts: Array<{ name: string; mountPath: string; readOnly: boolean }>;
  service: { type: 'NodePort'; nodePorts: { http: string } };
}

export function keycloakValues(cfg: LabConfig, adminUser: string): KeycloakValues {
  return {
    auth: { adminUser, existingSecret: KEYCLOAK_SECRETS.admin, passwordSecretKey: KEYCLOAK_SECRETS.adminPasswordKey },
    // Imports every *.json in data/import once; an existing realm is skipped.
    extraStartupArgs: '--import-realm',
    extraEnvVars: [
      // Pin the issuer: without it `iss` follows whatever URL a client used
      // (host port vs in-cluster name), and istiod would refuse the tokens.
      { name: 'KC_HOSTNAME_URL', value: keycloakPublicUrl(cfg) },
    ],
    // ${LAB_*} placeholders in the realm files resolve from these at import.
    extraEnvVarsSecret: KEYCLOAK_SECRETS.realmEnv,
    extraVolumes: [{ name: 'realm-import', secret: { secretName: KEYCLOAK_SECRETS.realms } }],
    extraVolumeMounts: [{ name: 'realm-import', mountPath: REALM_IMPORT_DIR, readOnly: true }],
    // NodePort so the host (through kind's port mapping) and the other
    // regions' istiods (across the kind network) reach the same Keycloak.
    service: { type: 'NodePort', nodePorts: { http: String(NODE_PORTS.keycloak) } },
  };
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const LABELS = { 'app.kubernetes.io/part-of': 'bookstore-auth-lab' };

/** Namespace + the three Secrets, as one YAML stream for `kubectl apply -f -`. */
export function keycloakSecretDocs(cfg: LabConfig, secrets: LabSecrets): object[] {
  const ns = new Namespace({ metadata: { name: KEYCLOAK_NAMESPACE, labels: LABELS } });
  const secret = (name: string, data: Record<string, string>) => {
    const s = new Secret({
      metadata: { name, namespace: KEYCLOAK_NAMESPACE, labels: LABELS },
      type: 'Opaque',
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
    });
    s.validate();
    return s.toJSON();
  };
  ns.validate();
  return [
    ns.toJSON(),
    secret(KEYCLOAK_SECRETS.admin, { [KEYCLOAK_SECRETS.adminPasswordKey]: secrets.keycloakAdmin.password }),
    secret(KEYCLOAK_SECRETS.realmEnv, secrets.env),
    secret(KEYCLOAK_SECRETS.realms, realmImportFiles(cfg)),
  ];
}

export function yamlStream(docs: object[]): string {
  return docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
}
