// What `lab lint` reports. Every finding names where (file, object, field),
// what the real system does with it at run time, and how to fix it.
import type { SourcedDoc, RealmDoc } from '../manifests/index.js';

export type Severity = 'error' | 'warning';

export interface Finding {
  severity: Severity;
  /** Stable id of the check, e.g. `issuer-mismatch`. */
  rule: string;
  file: string;
  /** e.g. `AuthorizationPolicy istio-system/require-jwt-api` or `realm bookstore-platform, client storefront-web`. */
  object: string;
  /** Path inside the object, e.g. `spec.rules[0].when[0].notValues[0]`. */
  field: string;
  /** What is wrong. */
  message: string;
  /** What Istio or Keycloak would do at run time. */
  runtime: string;
  fix: string;
}

export interface SourcedRealm {
  doc: RealmDoc;
  file: string;
}

export interface RawFile {
  file: string;
  text: string;
}

/** Everything one lint run looks at. */
export interface LintInput {
  docs: SourcedDoc[];
  realms: SourcedRealm[];
  /** Every file read, verbatim, for the literal-secret scan. */
  raw: RawFile[];
  /** Problems found while reading (unparsable YAML/JSON). */
  readFindings: Finding[];
}

export interface LintReport {
  findings: Finding[];
  errors: number;
  warnings: number;
  files: string[];
}

export const objectName = (d: SourcedDoc['doc']): string =>
  `${d?.kind ?? '?'} ${d?.metadata?.namespace ? `${d.metadata.namespace}/` : ''}${d?.metadata?.name ?? '?'}`;
