// `npm run tutorial`: the step-through tutorial, break-and-fix scenarios, and
// the small helpers its commands call (token, client-secret, rotate-key,
// wait-jwks, show-policies), so every command a learner copies works alone.
import { createInterface } from 'node:readline';
import { PRIMARY_REALM, REALMS, type RealmName } from '../../core/config.js';
import { configFrom, parse } from '../../core/cli.js';
import { LabError } from '../../core/errors.js';
import { info, printJson } from '../../core/log.js';
import { toYaml } from '../../manifests/index.js';
import { keycloakAccess } from '../../labs/keycloak-access.js';
import { scenario, SCENARIOS } from '../../tutorial/break/registry.js';
import { loadBreakState } from '../../tutorial/break/state.js';
import { SCENARIO_IDS } from '../../tutorial/break/types.js';
import { waitForGatewayKid } from '../../tutorial/jwks-wait.js';
import { makeLabServices } from '../../tutorial/lab-services.js';
import { clearProgress, loadProgress, nextStepIndex, progressFile } from '../../tutorial/progress.js';
import { listSteps, walk, type TutorialIO } from '../../tutorial/runner.js';
import { rotateKey } from '../../tutorial/rotate.js';
import { STEPS } from '../../tutorial/steps/index.js';
import { decodeJwt } from '../../keycloak/tokens.js';

const HELP = `usage: npm run tutorial -- [--list] [--step N [--only]] [--yes] [--reset-progress]
       npm run tutorial -- break <scenario> [--variant v] | break --list
       npm run tutorial -- fix <scenario>
       npm run tutorial -- token [--user demo-user] [--client admin-portal] [--realm r] [--expired]
       npm run tutorial -- client-secret <client> [--realm r]
       npm run tutorial -- rotate-key | wait-jwks --token <jwt> | show-policies [--region r]

The tutorial walks the chapter's seven hands-on steps and its five exercises.
Each step explains, shows its commands (Enter runs them; c prints them for
copying) and checks the result before moving on. Progress is kept in
$LAB_STATE_DIR/tutorial.json (.lab/ by default); lab:reset keeps it unless
--progress. --yes runs every step and check without asking and exits non-zero
at the first failed check.

Scenarios: ${SCENARIO_IDS.join(', ')}`;

function stdioIO(): TutorialIO & { close(): void } {
  const rl = createInterface({ input: process.stdin, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  return {
    out: (t) => info(t),
    async ask(prompt) {
      process.stdout.write(prompt);
      const next = await lines.next();
      if (next.done) {
        process.stdout.write('\n');
        return undefined;
      }
      if (!process.stdin.isTTY) process.stdout.write(`${next.value}\n`);
      return next.value;
    },
    copy(text) {
      // OSC 52: terminals that allow it put this on the clipboard; others ignore it.
      if (process.stdout.isTTY) process.stdout.write(`\x1b]52;c;${Buffer.from(text).toString('base64')}\x07`);
    },
    close: () => rl.close(),
  };
}

function realmArg(v: string | undefined): RealmName {
  const realm = (v ?? PRIMARY_REALM) as RealmName;
  if (!(REALMS as readonly string[]).includes(realm)) throw new LabError(`unknown realm "${realm}"`, `realms: ${REALMS.join(', ')}`, 'npm run tutorial -- token --realm tenant-globex --user globex-user --client globex-portal', 2);
  return realm;
}

/** The kid of a token, or undefined when it is not a readable JWT. */
function decodeKid(token: string): string | undefined {
  try {
    const kid = decodeJwt(token).header.kid;
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse('tutorial', argv, {
    list: { type: 'boolean', default: false },
    step: { type: 'string' },
    only: { type: 'boolean', default: false },
    yes: { type: 'boolean', short: 'y', default: false },
    'reset-progress': { type: 'boolean', default: false },
    variant: { type: 'string' },
    user: { type: 'string' },
    client: { type: 'string' },
    realm: { type: 'string' },
    token: { type: 'string' },
    expired: { type: 'boolean', default: false },
  });
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  const [sub, arg] = positionals;

  if ((sub === 'break' && (values.list || !arg)) || sub === 'scenarios') {
    const active = loadBreakState().active;
    if (values.json) printJson(SCENARIO_IDS.map((id) => ({ id, title: SCENARIOS[id].title, symptom: SCENARIOS[id].symptom, variants: SCENARIOS[id].variants ?? [], active: id in active })));
    else {
      info('Break scenarios (npm run tutorial -- break <id>; fix <id> or npm run lab:reset undoes it):\n');
      for (const id of SCENARIO_IDS) {
        const s = SCENARIOS[id];
        info(`${id in active ? '●' : '○'} ${id}${s.variants ? ` [--variant ${s.variants.join('|')}]` : ''}\n    ${s.title}.\n    Symptom: ${s.symptom}\n`);
      }
    }
    return 0;
  }

  if (sub === 'client-secret') {
    if (!arg) throw new LabError('which client?', 'client-secret needs a client id', 'npm run -s tutorial -- client-secret admin-portal', 2);
    const cfg = await configFrom(values, { quiet: true });
    const secret = keycloakAccess(cfg).clientSecret(realmArg(values.realm), arg);
    if (!secret) throw new LabError(`${arg} is a public client`, 'public clients have no secret', 'use a confidential client such as admin-portal', 2);
    process.stdout.write(secret + '\n');
    return 0;
  }

  if (sub === 'reset-progress' || values['reset-progress']) {
    info(clearProgress() ? `tutorial progress cleared (${progressFile()})` : 'no tutorial progress to clear');
    if (sub === 'reset-progress' || (!values.yes && !values.step)) return 0;
  }

  if (values.list) {
    const cfg = await configFrom(values, { quiet: true });
    const p = loadProgress();
    if (values.json) printJson(STEPS.map((s, i) => ({ n: i + 1, id: s.id, source: s.source, title: s.title, passed: s.id in p.passed, skipped: p.skipped[s.id], unsupported: s.unsupported?.(cfg) })));
    else info(`Tutorial (${cfg.target} target) · progress in ${progressFile()}\n\n${listSteps(STEPS, cfg, p)}`);
    return 0;
  }

  const cfg = await configFrom(values, { quiet: Boolean(values.json) || sub === 'token' });
  const lab = await makeLabServices(cfg);

  switch (sub) {
    case undefined: {
      let start = nextStepIndex(loadProgress(), STEPS.map((s) => s.id));
      if (values.step !== undefined) {
        const n = Number(values.step);
        if (!Number.isInteger(n) || n < 1 || n > STEPS.length) throw new LabError(`no step ${values.step}`, `steps are 1 to ${STEPS.length}`, 'npm run tutorial -- --list', 2);
        start = n - 1;
      } else if (values.yes) start = 0;
      if (start >= STEPS.length) {
        info('Every step is done. Start again with --reset-progress, jump with --step N, or break something: npm run tutorial -- break --list');
        return 0;
      }
      const io = stdioIO();
      try {
        return await walk({ steps: STEPS, cfg, lab, io, yes: values.yes, start, only: values.only });
      } finally {
        io.close();
      }
    }
    case 'break':
    case 'fix': {
      const sc = scenario(arg!);
      if (sub === 'break') {
        const out = await sc.break({ cfg, lab, variant: values.variant });
        if (values.json) printJson({ scenario: sc.id, ...out });
        else {
          info(`✗ broke ${sc.id}: ${sc.title}`);
          for (const l of out.lines) info(`  ${l}`);
          info(`\nWhat you will see: ${sc.symptom}\nDiagnose it: npm run lab -- doctor${sc.doctor.token === 'demo' ? ' --user demo-user --client admin-portal' : ''} --path ${sc.doctor.path}\nUndo it: npm run tutorial -- fix ${sc.id}   (or npm run lab:reset)`);
        }
        return 0;
      }
      const lines = await sc.fix({ cfg, lab, variant: values.variant });
      if (values.json) printJson({ scenario: sc.id, lines });
      else {
        info(`✓ fixed ${sc.id}`);
        for (const l of lines) info(`  ${l}`);
        info(`\nThe lesson: ${sc.lesson}`);
      }
      return 0;
    }
    case 'token': {
      const token = values.expired
        ? await lab.forgedToken(-120)
        : await lab.token({ realm: realmArg(values.realm), client: values.client ?? 'admin-portal', user: values.user ?? 'demo-user' });
      process.stdout.write(token + '\n');
      return 0;
    }
    case 'rotate-key': {
      for (const l of await rotateKey(lab)) info(l);
      return 0;
    }
    case 'wait-jwks': {
      if (!values.token) throw new LabError('wait-jwks needs --token', 'it waits until the gateways hold that token\'s kid', 'npm run tutorial -- wait-jwks --token "$NEW"', 2);
      const kid = decodeKid(values.token);
      if (!kid) throw new LabError('the token has no kid', 'nothing to wait for', 'pass a token issued by Keycloak', 2);
      for (const region of cfg.regions) {
        const s = await waitForGatewayKid(lab, region, kid);
        info(`${region}: the gateway holds kid ${kid} (waited ${s.toFixed(1)} s)`);
      }
      return 0;
    }
    case 'show-policies': {
      const region = cfg.regions[0]!;
      const p = await lab.view.policies(region);
      if (values.json) printJson({ region, source: p.source, docs: p.value });
      else info(`# ${region}: policies from ${p.source}\n${toYaml(p.value)}`);
      return 0;
    }
    default:
      throw new LabError(`unknown tutorial command "${sub}"`, 'see the usage', 'npm run tutorial -- --help', 2);
  }
}
