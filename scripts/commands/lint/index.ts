// `npm run lab -- lint [--manifests <path>...] [--realms <path>...] [--json]`
// Checks realms and manifests the way the API server, istiod and Keycloak
// would. Exit 0 without errors (warnings allowed), 1 with errors.
import { parse } from '../../core/cli.js';
import { LabError } from '../../core/errors.js';
import { info, printJson } from '../../core/log.js';
import { lint } from '../../lint/index.js';
import { formatReport } from '../../lint/format.js';

const HELP = `usage: npm run lab -- lint [--manifests <file|dir>]... [--realms <file|dir>]... [--json]

Checks the manifests and realm files before anything runs: schemas (Istio 1.23.2
CRDs, kubernetes-models), istiod's admission rules, realm <-> policy agreement
(issuer, audiences, claims, selectors, DENY shadowing, via the lab's engine),
storefront-web's PKCE settings, and literal secrets. Defaults: manifests/ and realms/.
Exit code: 0 when there are no errors, 1 otherwise.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse('lint', argv, {
    manifests: { type: 'string', multiple: true },
    realms: { type: 'string', multiple: true },
  });
  if (values.help) {
    info(HELP);
    return 0;
  }
  if (positionals.length) {
    throw new LabError(
      `unexpected argument "${positionals[0]}"`,
      'paths are given with --manifests or --realms',
      `npm run lab -- lint --manifests ${positionals[0]}`,
      2,
    );
  }
  const report = await lint({ manifests: values.manifests as string[] | undefined, realms: values.realms as string[] | undefined });
  if (values.json) printJson(report);
  else info(formatReport(report));
  return report.errors === 0 ? 0 : 1;
}
