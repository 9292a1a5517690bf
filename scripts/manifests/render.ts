// Patches the parsed manifests for one target and region. Only values that
// still hold their shipped (canonical) form are patched: a learner's broken
// copy stays broken, so the break-and-fix scenarios mean something.
import {
  JWKS_PATH,
  KEYCLOAK_REGION,
  REALMS,
  issuerFor,
  jwksUriFor,
  makeConfig,
  type LabConfig,
  type RealmName,
  type Region,
} from '../core/config.js';
import { catalogConfigMap, catalogVolumeItems, CATALOG_DIR } from './catalog.js';
import { CATALOG } from './names.js';
import { CANONICAL_CONFIG } from './realms.js';
import type { KubeDoc } from './types.js';

interface JwtRule {
  issuer?: string;
  jwksUri?: string;
  [k: string]: unknown;
}

/** The jwksUri values the shipped files may hold for a realm (kind us-east, or local). */
function canonicalJwksUris(realm: RealmName): Set<string> {
  return new Set([
    jwksUriFor(makeConfig({ target: 'kind', env: {} }), KEYCLOAK_REGION, realm),
    jwksUriFor(CANONICAL_CONFIG, KEYCLOAK_REGION, realm),
    `http://localhost:${CANONICAL_CONFIG.keycloakPort}${JWKS_PATH(realm)}`,
  ]);
}

function patchJwtRule(rule: JwtRule, cfg: LabConfig, region: Region, nodeAddr?: string): void {
  const issuerRealm = REALMS.find((r) => rule.issuer === issuerFor(CANONICAL_CONFIG, r));
  if (issuerRealm) rule.issuer = issuerFor(cfg, issuerRealm);
  // Patched on its own: a broken issuer keeps its keys where istiod would find them.
  const jwksRealm = REALMS.find((r) => rule.jwksUri !== undefined && canonicalJwksUris(r).has(rule.jwksUri));
  if (jwksRealm) rule.jwksUri = jwksUriFor(cfg, region, jwksRealm, nodeAddr);
}

export interface PatchOptions {
  keycloakNodeAddress?: string;
  catalogDir?: string;
}

/** Patch docs in place for cfg/region and append the generated catalog ConfigMap. */
export function patchManifests(docs: KubeDoc[], cfg: LabConfig, region: Region, opts: PatchOptions = {}): KubeDoc[] {
  const catalogDir = opts.catalogDir ?? CATALOG_DIR;
  for (const doc of docs) {
    if (doc.kind === 'RequestAuthentication') {
      const rules = (doc.spec as { jwtRules?: JwtRule[] } | undefined)?.jwtRules ?? [];
      for (const rule of rules) patchJwtRule(rule, cfg, region, opts.keycloakNodeAddress);
    }
    if (doc.kind === 'Deployment' && doc.metadata.name === CATALOG.deployment && doc.metadata.namespace === CATALOG.namespace) {
      // The volume lays out exactly the files the ConfigMap holds.
      const volumes = (doc as { spec?: { template?: { spec?: { volumes?: Array<{ configMap?: { name?: string; items?: unknown } }> } } } })
        .spec?.template?.spec?.volumes ?? [];
      for (const v of volumes) if (v.configMap?.name === CATALOG.configMap) v.configMap.items = catalogVolumeItems(catalogDir);
    }
  }
  const hasCatalog = docs.some((d) => d.kind === 'Deployment' && d.metadata.name === CATALOG.deployment);
  if (hasCatalog && !docs.some((d) => d.kind === 'ConfigMap' && d.metadata.name === CATALOG.configMap)) {
    docs.push(catalogConfigMap(catalogDir));
  }
  return docs;
}
