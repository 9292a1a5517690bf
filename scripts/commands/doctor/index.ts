// `lab doctor`: explain what the gateway will do with a token and why, using
// the same engine as the gateway, then send the request and compare.
import { PRIMARY_REALM, REALMS, type RealmName } from '../../core/config.js';
import { configFrom, parse } from '../../core/cli.js';
import { LabError } from '../../core/errors.js';
import { info, printJson } from '../../core/log.js';
import { formatReport } from '../../doctor/format.js';
import { runDoctor } from '../../doctor/run.js';
import { makeLabServices } from '../../tutorial/lab-services.js';

const HELP = `usage: npm run lab -- doctor [--token <jwt> | --user <name> --client <id> [--realm <realm>]]
                          [--path /api/books] [--method GET] [--region us-east] [--no-send] [--all-claims] [--json]

Explains, check by check, what the region's gateway does with the token: its
claims, iss against every jwtRule issuer (first differing character marked),
aud against the audiences, exp/nbf against now ± 60 s, whether the kid is in
the keys the gateway holds now, and which AuthorizationPolicy rule decides.
Then it sends the request to the gateway and compares the answer with the
prediction (--no-send skips that). Without a token it explains a tokenless request.
Exit code: 0 when the gateway answered as predicted (or --no-send), 1 otherwise.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse('doctor', argv, {
    token: { type: 'string' },
    user: { type: 'string' },
    client: { type: 'string' },
    realm: { type: 'string' },
    path: { type: 'string', default: '/api/books' },
    method: { type: 'string', default: 'GET' },
    'no-send': { type: 'boolean', default: false },
    'all-claims': { type: 'boolean', default: false },
  });
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  if (values.token && (values.user || values.client)) {
    throw new LabError('both --token and --user/--client given', 'doctor explains one token', 'pass either --token <jwt> or --user demo-user --client admin-portal', 2);
  }
  if ((values.user && !values.client) || (!values.user && values.client)) {
    throw new LabError('--user and --client go together', 'a password grant needs both', 'npm run lab -- doctor --user demo-user --client admin-portal', 2);
  }
  const realm = (values.realm ?? PRIMARY_REALM) as RealmName;
  if (!(REALMS as readonly string[]).includes(realm)) {
    throw new LabError(`unknown realm "${realm}"`, `realms: ${REALMS.join(', ')}`, 'npm run lab -- doctor --realm tenant-globex --user globex-user --client globex-portal', 2);
  }
  const cfg = await configFrom(values, { quiet: Boolean(values.json) });
  const region = cfg.regions[0]!;
  const lab = await makeLabServices(cfg);
  let token = values.token?.trim();
  if (!token && values.user && values.client) token = await lab.token({ realm, client: values.client, user: values.user });
  const path = values.path!.startsWith('/') ? values.path! : `/${values.path}`;
  const report = await runDoctor({ cfg, lab, region, method: values.method!.toUpperCase(), path, token: token || undefined, send: !values['no-send'] });
  if (values.json) printJson(report);
  else info(formatReport(report, Math.floor(Date.now() / 1000), { allClaims: values['all-claims'] }));
  return report.actual && !report.actual.matches ? 1 : 0;
}
