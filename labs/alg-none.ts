import type { LabDefinition } from '../scripts/labs/types.js';
import { FACTS } from './facts.js';

export const algNone: LabDefinition = {
  id: 'alg-none',
  title: 'alg "none": refused while parsing, before anything is verified',
  targets: { kind: true, local: true },
  regions: 'each',
  steps: [
    {
      kind: 'gateway',
      name: 'header {"alg":"none"}, three non-empty sections',
      request: { path: '/api/books', token: { kind: 'alg-none', signature: 'junk' } },
      expect: { status: 401, body: 'Jwt header [alg] is not supported' },
    },
    {
      kind: 'gateway',
      name: 'the classic unsigned form "header.payload." (empty signature)',
      request: { path: '/api/books', token: { kind: 'alg-none', signature: 'empty' } },
      expect: { status: 401, body: 'Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections' },
    },
  ],
  explain: `"alg": "none" asks the verifier to skip the signature. Envoy's JWT library only implements real
algorithms (RS/PS/ES/HS families, EdDSA), so the parse step stops at the header:
401 "Jwt header [alg] is not supported", with the otherwise valid claims never looked at.
Which body you get depends on the token's form. An unsigned JWT is usually written with an
empty third section ("header.payload."). The library splits on dots and drops empty pieces, so
that token has only two sections and is refused one check earlier as malformed. Both are 401 and
neither gets near the backend; the lab asserts the exact body of each.`,
  facts: [FACTS.algUnsupported, FACTS.badFormat, FACTS.checkOrder],
};
