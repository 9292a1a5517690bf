// The catalog backend behind the gateway. Plain Node, no dependencies: the
// local target runs this file with `node`, kind runs it from a ConfigMap.
// It trusts the gateway: it never verifies a token, it only reports what
// reached it, which is what the labs inspect.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const PORT = Number(process.env.PORT ?? 8080);
const HOST = process.env.HOST ?? '0.0.0.0';
const STATIC_DIR = process.env.STATIC_DIR ?? fileURLToPath(new URL('./static/', import.meta.url));

const BOOKS = [
  { id: 'b-001', title: 'Tokens in Transit', author: 'R. Issuer', tenant: 'acme-books' },
  { id: 'b-002', title: 'The Audience Problem', author: 'A. Claim', tenant: 'acme-books' },
  { id: 'b-003', title: 'Keys Rotate at Midnight', author: 'J. W. Kset', tenant: 'acme-books' },
];

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css' };

/** x-jwt-payload is base64url JSON set by the gateway; anything else reads as null. */
function decodePayload(value) {
  if (typeof value !== 'string' || value === '') return null;
  try {
    return JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
}

function send(res, status, type, body) {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function serveStatic(res, rel) {
  const file = normalize(join(STATIC_DIR, rel));
  if (!file.startsWith(normalize(STATIC_DIR))) return send(res, 404, 'text/plain', 'not found\n');
  try {
    send(res, 200, TYPES[extname(file)] ?? 'application/octet-stream', await readFile(file));
  } catch {
    send(res, 404, 'text/plain', 'not found\n');
  }
}

/** What reached the backend: the labs read this to prove what the gateway let through. */
function received(req) {
  return {
    receivedJwtPayload: decodePayload(req.headers['x-jwt-payload']),
    receivedHeaders: Object.keys(req.headers).sort(),
    receivedAuthorization: typeof req.headers.authorization === 'string',
  };
}

const server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://backend').pathname;
  if (path === '/healthz') return send(res, 200, 'text/plain', 'ok\n');
  if (path === '/api/books') return send(res, 200, 'application/json', JSON.stringify({ books: BOOKS, ...received(req) }) + '\n');
  // The same report on the public path, where no token is needed to look.
  if (path === '/static/echo.json') return send(res, 200, 'application/json', JSON.stringify(received(req)) + '\n');
  if (path.startsWith('/static/')) return void serveStatic(res, path.slice('/static/'.length));
  send(res, 404, 'text/plain', 'not found\n');
});

server.listen(PORT, HOST, () => {
  process.stdout.write(`catalog listening on ${HOST}:${server.address().port}\n`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));
