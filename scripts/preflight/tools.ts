// The CLI tools the kind target drives, with the oldest version we support:
// - kind 0.20.0: its default node image is Kubernetes 1.27, the oldest
//   release Istio 1.23 supports (older kinds default to 1.26 or earlier).
// - helm 3.8.0: OCI registries are on by default from 3.8 (the Keycloak
//   chart is only reliably served as oci://registry-1.docker.io/bitnamicharts).
// - kubectl 1.27.0: within one minor version of the 1.27+ API servers kind
//   creates (Kubernetes' client/server skew policy).
import { run } from '../core/proc.js';
import { kindVersion } from '../tools/kind.js';
import { helmVersion } from '../tools/helm.js';
import { kubectlVersion } from '../tools/kubectl.js';
import { atLeast, parseVersion } from './versions.js';
import type { CheckOutcome } from './problem.js';

export const MIN_VERSIONS = { kind: '0.20.0', helm: '3.8.0', kubectl: '1.27.0' } as const;

const osArch = () => {
  const os = process.platform === 'darwin' ? 'darwin' : 'linux';
  const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
  return { os, arch };
};

export function installFix(tool: keyof typeof MIN_VERSIONS | 'curl'): string {
  const { os, arch } = osArch();
  const brew = process.platform === 'darwin';
  switch (tool) {
    case 'kind':
      return brew
        ? 'brew install kind   (or: brew upgrade kind)'
        : `curl -Lo ./kind https://kind.sigs.k8s.io/dl/v0.24.0/kind-${os}-${arch} && chmod +x ./kind && sudo mv ./kind /usr/local/bin/kind`;
    case 'helm':
      return brew ? 'brew install helm   (or: brew upgrade helm)' : 'curl -fsSL https://raw.githubusercontent.com/helm/helm/main/scripts/get-helm-3 | bash';
    case 'kubectl':
      return brew
        ? 'brew install kubectl   (or: brew upgrade kubectl)'
        : `curl -LO https://dl.k8s.io/release/v1.31.1/bin/${os}/${arch}/kubectl && sudo install -m 0755 kubectl /usr/local/bin/kubectl`;
    case 'curl':
      return brew ? 'brew install curl' : 'sudo apt-get install -y curl   (or your distribution’s package manager)';
  }
}

async function versionCheck(tool: keyof typeof MIN_VERSIONS, read: () => Promise<string | undefined>): Promise<CheckOutcome> {
  const min = MIN_VERSIONS[tool];
  const out = await read();
  const v = out ? parseVersion(out) : undefined;
  if (!out || !v) {
    return {
      name: tool,
      status: 'fail',
      detail: 'not found',
      problem: { what: `${tool} is not installed (or not on PATH)`, why: `the kind target runs ${tool} ≥ ${min}`, fix: installFix(tool) },
    };
  }
  if (!atLeast(v, min)) {
    return {
      name: tool,
      status: 'fail',
      detail: `${v.raw} < ${min}`,
      problem: { what: `${tool} ${v.raw} is too old`, why: `the lab needs ${tool} ≥ ${min} (${WHY[tool]})`, fix: installFix(tool) },
    };
  }
  return { name: tool, status: 'ok', detail: v.raw };
}

const WHY: Record<keyof typeof MIN_VERSIONS, string> = {
  kind: 'its default node image is Kubernetes 1.27, the oldest Istio 1.23 supports',
  helm: 'the Keycloak chart is installed from an OCI registry, on by default since 3.8',
  kubectl: 'it must be within one minor version of the clusters’ Kubernetes 1.27+',
};

export async function toolChecks(): Promise<CheckOutcome[]> {
  const [kind, helm, kubectl, curl] = await Promise.all([
    versionCheck('kind', kindVersion),
    versionCheck('helm', helmVersion),
    versionCheck('kubectl', kubectlVersion),
    run(['curl', '--version'], { reject: false }),
  ]);
  const curlOk = curl.exitCode === 0;
  return [
    kind,
    helm,
    kubectl,
    curlOk
      ? { name: 'curl', status: 'ok', detail: parseVersion(curl.stdout)?.raw ?? 'present' }
      : {
          name: 'curl',
          status: 'fail',
          detail: 'not found',
          problem: { what: 'curl is not installed', why: 'the readiness checks and the labs call the gateways with curl', fix: installFix('curl') },
        },
  ];
}
