// Every lab, in the order they are taught and reported. The first four are
// the chapter's own; key-rotation changes the realm's keys, so the runner
// holds it back until everything else has finished.
import type { LabDefinition } from '../scripts/labs/types.js';
import { algNone } from './alg-none.js';
import { crossRegion } from './cross-region.js';
import { directGrantRefused } from './direct-grant-refused.js';
import { expiredToken } from './expired-token.js';
import { forgedPayloadHeader } from './forged-payload-header.js';
import { foreignKey } from './foreign-key.js';
import { keyRotation } from './key-rotation.js';
import { missingTenantClaim } from './missing-tenant-claim.js';
import { noToken } from './no-token.js';
import { otherPath } from './other-path.js';
import { pkceLoginLab } from './pkce-login.js';
import { publicStatic } from './public-static.js';
import { tamperedSignature } from './tampered-signature.js';
import { validToken } from './valid-token.js';
import { workloadIdentity } from './workload-identity.js';
import { wrongAudience } from './wrong-audience.js';
import { wrongRealm } from './wrong-realm.js';

export const LABS: LabDefinition[] = [
  noToken,
  validToken,
  expiredToken,
  wrongRealm,
  wrongAudience,
  tamperedSignature,
  foreignKey,
  algNone,
  missingTenantClaim,
  publicStatic,
  otherPath,
  forgedPayloadHeader,
  directGrantRefused,
  pkceLoginLab,
  keyRotation,
  crossRegion,
  workloadIdentity,
];

export function findLab(id: string): LabDefinition | undefined {
  return LABS.find((l) => l.id === id);
}
