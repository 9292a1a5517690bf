// Shapes shared by the manifest and realm renderers (re-exported from index.ts).

/** A parsed Kubernetes/Istio object. */
export interface KubeDoc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

export interface SourcedDoc {
  doc: KubeDoc;
  /** File it came from, relative to the repo, and its index in that file (for lint findings). */
  file: string;
  index: number;
}

export type RealmDoc = Record<string, unknown> & { realm: string };
