// A new user's first minutes, in a real browser: sign up, add 127.0.0.1 and ::1, wait for a round of the real
// ping service, see both up on /report and a drawn chart on /report/{id}, make an API token on /account
// (shown once, used, revoked), set an alert rule and add and delete a maintenance window on /alerts, add a
// webhook channel pointing at a receiver the test runs on 127.0.0.1 and press Send test (one signed POST
// arrives), see the alert events marked on the host's chart, add a host probed by both ICMP and TCP (a
// listener the test opens on loopback) and see both methods drawn on its chart, see a host's stored network
// paths (table, verdict, change history) and the verdict under its event, sign out. Screenshots of each page
// go to $SEMAPHORE_E2E_OUT.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { createHmac } from 'node:crypto';

import { freePort, stopServer, waitForServer } from '../support/server.mjs';
import { openBrowser } from './browser.mjs';

const binary = process.env.SEMAPHORE_E2E_BINARY;
const outDir = process.env.SEMAPHORE_E2E_OUT;

let child;
let browser;
let page;
let base;
let workDir;
let dbFile;

before(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'semaphore-e2e-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const log = join(outDir, 'server.log');
  const logStream = createWriteStream(log);
  dbFile = join(workDir, 'e2e.db');
  child = spawn(binary, ['run', '--db', `sqlite:${dbFile}`, '--listen', `127.0.0.1:${port}`,
    '--interval', '2s', '--spool-dir', join(workDir, 'spool'),
    // No path traces: the paths test stores its own, which a scheduled trace of loopback would replace.
    '--path-interval', '0',
    // The user adds 127.0.0.1 and ::1, which an open sign-up refuses unless the operator allows them.
    '--targets', 'private'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(logStream);
  child.stderr.pipe(logStream);
  await waitForServer(base, child, log);
  ({ browser, page } = await openBrowser({ width: 1200, height: 900 }));
  page.on('console', (message) => {
    if (message.type() === 'error') console.log('# console error:', message.text());
  });
});

after(async () => {
  if (browser) await browser.close();
  await stopServer(child);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

const shot = (name) => page.screenshot({ path: join(outDir, `${name}.png`), fullPage: true });

test('a new user signs up and lands on the hosts page', async () => {
  await page.goto(base + '/');
  await shot('01-home');
  await page.click('a.button[href="/signup"]');
  await page.fill('#email', 'e2e@example.com');
  await page.fill('#password', 'a long enough password');
  await shot('02-signup');
  await Promise.all([page.waitForURL(base + '/manage'), page.click('form[action="/signup"] button[type=submit]')]);
  assert.match(await page.textContent('.flash'), /Welcome/);
});

test('a bad hostname is refused with the reason next to the field', async () => {
  await page.fill('#hostname', 'not a host!');
  await page.click('form[action="/manage/hosts"] button[type=submit]');
  assert.ok(await page.isVisible('#hostname-error'));
  await shot('03-manage-error');
});

test('the user adds 127.0.0.1 and ::1', async () => {
  for (const [hostname, label] of [['127.0.0.1', 'loopback v4'], ['::1', 'loopback v6']]) {
    await page.goto(base + '/manage');
    await page.fill('#hostname', hostname);
    await page.selectOption('#provider', 'Other');
    await page.fill('#label', label);
    await Promise.all([page.waitForURL(base + '/manage'), page.click('form[action="/manage/hosts"] button[type=submit]')]);
  }
  const text = await page.textContent('main');
  assert.match(text, /127\.0\.0\.1/);
  assert.match(text, /::1/);
  await shot('04-manage');
});

test('after a round both hosts are up on the report', async () => {
  // Waits at most 90 s (rounds are short); a busy machine may take a while, a broken service never gets there.
  const deadline = Date.now() + 90000;
  let ups = 0;
  while (Date.now() < deadline) {
    await page.goto(base + '/report');
    ups = await page.locator('table.report tbody td:first-child .badge.state-up').count();  // the Status column
    if (ups === 2) break;
    await page.waitForTimeout(1000);
  }
  await shot('05-report');
  assert.equal(ups, 2, 'both loopback hosts should be up within 90 s (ping service running?)');
});

test('the host page draws the smoke chart', async () => {
  await page.click('table.report a[href^="/report/"]');
  await page.waitForSelector('#chart[data-drawn="true"] canvas', { timeout: 60000 });
  const rows = await page.locator('table.rounds tbody tr').count();
  assert.ok(rows >= 1, 'the table of rounds lists at least one round');
  await page.waitForTimeout(300);
  await shot('06-host-report');
});

test('the phone-width report and dark mode render', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(base + '/report');
  await shot('07-report-phone-dark');
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.notEqual(background, 'rgb(246, 247, 249)', 'dark mode changes the background');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1200, height: 900 });
});

test('an API token is made on /account, shown once, used, and revoked', async () => {
  await page.goto(base + '/account');
  await page.fill('#token_name', 'e2e script');
  await page.selectOption('#token_scope', 'read');
  await page.selectOption('#token_expires', '30');
  await page.click('form:has(input[name="action"][value="create_token"]) button[type=submit]');
  await page.waitForSelector('#new-token');
  const token = await page.inputValue('#new-token');
  assert.match(token, /^smp_[A-Za-z0-9_-]{43}$/);
  assert.match(await page.textContent('.new-token'), /copy it now/);
  await shot('08-account-new-token');

  const headers = { Authorization: `Bearer ${token}` };
  let response = await fetch(base + '/api/v1/hosts', { headers });
  assert.equal(response.status, 200);
  assert.match(await response.text(), /127\.0\.0\.1/);

  // Shown once: the next visit lists the token, never its text.
  await page.goto(base + '/account');
  assert.equal(await page.locator('#new-token').count(), 0);
  assert.ok(!(await page.content()).includes(token));
  const row = page.locator('table.tokens tbody tr', { hasText: 'e2e script' });
  assert.match(await row.textContent(), /read/);

  page.once('dialog', (dialog) => dialog.accept());
  await Promise.all([page.waitForURL(base + '/account#tokens'), row.locator('button', { hasText: 'Revoke' }).click()]);
  assert.match(await page.textContent('.flash'), /revoked/);
  assert.equal(await page.locator('table.tokens tbody tr', { hasText: 'e2e script' }).count(), 0);
  response = await fetch(base + '/api/v1/hosts', { headers });
  assert.equal(response.status, 401);
  await shot('09-account-revoked');
});

test('the alerts page saves a rule, names a wrong one, and adds and deletes a maintenance window', async () => {
  await Promise.all([page.waitForURL(base + '/alerts'), page.click('nav a[href="/alerts"]')]);
  assert.equal(await page.inputValue('#rule-down_after'), '3', 'the default is shown');
  await page.fill('#rule-down_after', '5');
  await page.fill('#rule-median_ms', '250');
  await Promise.all([page.waitForURL(base + '/alerts#rules'), page.click('form[action="/alerts/rules"] button[type=submit]')]);
  assert.match(await page.textContent('.flash'), /Alert rules saved/);
  assert.equal(await page.inputValue('#rule-down_after'), '5');
  assert.equal(await page.inputValue('#rule-median_ms'), '250');

  await page.fill('#rule-up_after', '0');
  await page.click('form[action="/alerts/rules"] button[type=submit]');
  await page.waitForSelector('#rule-up_after-error');
  assert.match(await page.textContent('#rule-up_after-error'), /up_after must be between 1 and 100/);
  await shot('12-alerts-rule-error');

  await page.goto(base + '/alerts');
  await page.check('input[name="kind"][value="weekly"]');
  await page.check('input[name="day_sat"]');
  await page.fill('#window-start', '02:00');
  await page.fill('#window-end', '04:30');
  await page.fill('#window-zone', 'Europe/Berlin');
  await page.fill('#window-note', 'e2e backups');
  await Promise.all([page.waitForURL(base + '/alerts#maintenance'), page.click('form[action="/alerts/maintenance"] button[type=submit]')]);
  assert.match(await page.textContent('.flash'), /Maintenance window added/);
  const row = page.locator('table.windows tbody tr', { hasText: 'e2e backups' });
  assert.equal(await row.count(), 1);
  assert.match(await row.textContent(), /Sat 02:00–04:30 Europe\/Berlin/);
  assert.match(await row.textContent(), /All hosts/);
  // The first rounds' events (unknown -> up, quiet) are listed.
  assert.ok(await page.locator('table.events tbody tr').count() >= 2, 'the hosts\' first events are listed');
  await shot('13-alerts');

  page.once('dialog', (dialog) => dialog.accept());
  await Promise.all([page.waitForURL(base + '/alerts#maintenance'), row.locator('button').click()]);
  assert.match(await page.textContent('.flash'), /Maintenance window deleted/);
  assert.equal(await page.locator('table.windows tbody tr', { hasText: 'e2e backups' }).count(), 0);
});

test('the host page marks its alert events on the chart and lists them', async () => {
  await page.goto(base + '/report');
  assert.equal(await page.locator('table.report tbody td:nth-child(2) .badge.state-up').count(), 2, 'the Alert column: both up');
  await page.click('table.report a[href^="/report/"]');
  await page.waitForSelector('#chart[data-drawn="true"] .event-mark', { timeout: 60000 });
  const title = await page.getAttribute('.event-mark', 'title');
  assert.match(title, /unknown → up/);
  assert.ok(await page.locator('#events table.events tbody tr').count() >= 1);
  await shot('14-host-events');
});

// Runs SQL on the server's database with Debian's sqlite3 (WAL: beside the running server; it waits up to 10 s
// for the writer) and returns its output.
const sql = (statements) => execFileSync('sqlite3', ['-cmd', '.timeout 10000', dbFile, statements]).toString().trim();

test('the host page shows its network path, the verdict and the path change, and the event its verdict', async () => {
  // Two traces of 127.0.0.1 as the path scheduler stores them (host_paths, hops in paths::encode_hops's JSON):
  // a good one, then, for a state change, a changed path that loses from hop 2 on, attached to the host's first
  // event. Loopback has one hop and never changes state, so the test stores what a trace through routers
  // would have; everything from the database to the browser is the real thing.
  await page.goto(base + '/report');
  const href = await page.getAttribute('table.report a:text-is("127.0.0.1")', 'href');
  const host = Number(href.match(/^\/report\/(\d+)$/)[1]);
  const good = JSON.stringify([
    { t: 1, a: '10.0.0.1', n: 'gw.example', s: 10, r: 10, mn: 0.3, av: 0.4, mx: 0.6, md: 0.4 },
    { t: 2, a: '10.0.0.5', s: 10, r: 10, mn: 3, av: 3.1, mx: 3.4, md: 3.1 },
    { t: 3, a: '127.0.0.1', s: 10, r: 10, mn: 9.8, av: 10, mx: 10.4, md: 10, d: 1 }]);
  const lossy = JSON.stringify([
    { t: 1, a: '10.0.0.1', n: 'gw.example', s: 10, r: 10, mn: 0.3, av: 0.4, mx: 0.6, md: 0.4 },
    { t: 2, a: '10.0.0.6', n: 'ae-1.r01.fra03.example', s: 10, r: 6, mn: 5.1, av: 5.6, mx: 7.2, md: 5.4 },
    { t: 3, a: '127.0.0.1', s: 10, r: 5, mn: 11, av: 11.6, mx: 13.1, md: 11.4, d: 1 }]);
  const verdict = 'the loss starts at hop 2, ae-1.r01.fra03.example (10.0.0.6), and continues to the host ' +
    '(40% lost there; 50% at the host); the path changed at hop 2 since the last good path (10.0.0.5 → 10.0.0.6)';
  const now = Date.now();
  const event = Number(sql(`SELECT MIN(id) FROM alert_events WHERE host_id = ${host};`));
  assert.ok(event > 0, 'the host has its first event');
  sql(`INSERT INTO host_paths (host_id, measured_at, trigger, reached, good, hops) VALUES
         (${host}, ${now - 600000}, 'scheduled', 1, 1, '${good}');
       INSERT INTO host_paths (host_id, measured_at, trigger, reached, good, hops, changed, previous_id, verdict,
         verdict_kind, verdict_hop) VALUES (${host}, ${now - 60000}, 'state_change', 1, 0, '${lossy}', 1,
         (SELECT MAX(id) FROM host_paths WHERE host_id = ${host}), '${verdict}', 'loss_from_hop', 2);
       UPDATE alert_events SET path_id = (SELECT MAX(id) FROM host_paths WHERE host_id = ${host}) WHERE id = ${event};`);

  await page.goto(base + href);
  // The current path: a row per hop with its address, name, loss and RTTs; the host's row marked.
  const rows = page.locator('#path > .table-wrap table.path tbody tr');
  assert.equal(await rows.count(), 3);
  const cells = (row) => rows.nth(row).locator('td').evaluateAll((tds) => tds.map((td) => td.textContent.trim()));
  assert.deepEqual(await cells(0), ['1', '10.0.0.1', 'gw.example', '0%', '0.3', '0.4', '0.6']);
  assert.deepEqual(await cells(1), ['2', '10.0.0.6', 'ae-1.r01.fra03.example', '40%', '5.1', '5.6', '7.2']);
  assert.deepEqual(await cells(2), ['3', '127.0.0.1', '', '50%', '11.0', '11.6', '13.1']);
  assert.equal(await rows.nth(1).locator('td.lossy').count(), 1, 'the lossy hop is marked');
  assert.match(await rows.nth(2).getAttribute('class'), /destination/);
  assert.match(await page.textContent('#path p.muted'), /state change/);
  // The verdict line.
  const line = await page.textContent('#path .verdict');
  assert.match(line, /Where the trouble is/);
  assert.ok(line.includes(verdict), line);
  // The change history: one change, opened to show the path before and after.
  const changes = page.locator('#path ul.path-changes > li');
  assert.equal(await changes.count(), 1);
  assert.equal(await changes.locator('.path-change').isVisible(), false, 'closed until clicked');
  await changes.locator('summary').click();
  assert.equal(await changes.locator('.path-change').isVisible(), true);
  assert.match(await changes.locator('caption').first().textContent(), /^Before \(/);
  const before = await changes.locator('table').nth(0).locator('tbody tr').evaluateAll(
    (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())));
  assert.deepEqual(before.map((row) => row.slice(0, 4)),
    [['1', '10.0.0.1', 'gw.example', '0%'], ['2', '10.0.0.5', '', '0%'], ['3', '127.0.0.1', '', '0%']]);
  const after = await changes.locator('table').nth(1).locator('tbody tr').evaluateAll(
    (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())));
  assert.deepEqual(after.map((row) => row.slice(0, 4)),
    [['1', '10.0.0.1', 'gw.example', '0%'], ['2', '10.0.0.6', 'ae-1.r01.fra03.example', '40%'],
      ['3', '127.0.0.1', '', '50%']]);
  // The event the path was traced for shows the verdict under its reason, linked to the path; no other does.
  const eventRow = page.locator(`#events table.events tr[data-event="${event}"]`);
  assert.equal(await eventRow.locator('.path-verdict').textContent(), `Path: ${verdict}`);
  assert.equal(await eventRow.locator('.path-verdict a').getAttribute('href'), `/report/${host}#path`);
  assert.equal(await page.locator('#events .path-verdict').count(), 1);
  await shot('18-host-path');

  // The same on /alerts, and in the API.
  await page.goto(base + '/alerts');
  assert.equal(await page.locator(`table.events tr[data-event="${event}"] .path-verdict`).textContent(),
    `Path: ${verdict}`);
  const events = await page.evaluate(async () => (await fetch('/api/v1/events?limit=1000')).json());
  const listed = events.events.find((e) => e.id === event);
  assert.equal(listed.path_verdict, verdict);
  assert.ok(events.events.filter((e) => e.id !== event).every((e) => e.path_verdict === null));
  await shot('19-alerts-event-verdict');
});

test('a webhook channel added on /alerts gets one signed test notification from Send test', async () => {
  // The receiver: an HTTP server on 127.0.0.1 that records each request and answers 200.
  const received = [];
  const receiver = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ method: request.method, url: request.url, headers: request.headers, body: Buffer.concat(chunks).toString() });
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end('ok');
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  try {
    const port = receiver.address().port;
    await page.goto(base + '/alerts');
    await page.selectOption('#channel-kind', 'webhook');
    await page.fill('#channel-name', 'e2e hook');
    await page.fill('#channel-url', `http://127.0.0.1:${port}/hook/path-secret`);
    await page.check('input[name="state"][value="down"]');
    await page.click('form[action="/alerts/channels"] button[type=submit]');
    await page.waitForSelector('.secret-once code.secret');
    const secret = await page.textContent('.secret-once code.secret');
    assert.match(secret, /^whsec_[A-Za-z0-9_-]{43}$/);
    await shot('15-alerts-channel-secret');
    const row = page.locator('table.channels tbody tr', { hasText: 'e2e hook' });
    assert.equal(await row.count(), 1);
    assert.match(await row.textContent(), new RegExp(`127\\.0\\.0\\.1:${port}`));
    assert.ok(!(await row.textContent()).includes('path-secret'), 'only the URL\'s host is listed');

    await row.locator('button', { hasText: 'Send test' }).click();
    await page.waitForSelector('.test-result');
    assert.match(await page.textContent('.test-result'), /Test notification delivered to e2e hook/);
    assert.ok(!(await page.content()).includes(secret), 'the secret is not shown again');
    await shot('16-alerts-channel-tested');

    assert.equal(received.length, 1, 'one request reached the receiver');
    const [hit] = received;
    assert.equal(hit.method, 'POST');
    assert.equal(hit.url, '/hook/path-secret');
    const timestamp = hit.headers['x-semaphore-timestamp'];
    const expected = createHmac('sha256', secret).update(`${timestamp}.${hit.body}`).digest('hex');
    assert.equal(hit.headers['x-semaphore-signature'], `sha256=${expected}`, 'signed with the secret shown once');
    const body = JSON.parse(hit.body);
    assert.equal(body.state, 'test');
    assert.match(body.event_id, /^test-/);
  } finally {
    await new Promise((resolve) => receiver.close(resolve));
  }
});

test('a host probed by both ICMP and TCP shows both methods on its chart', async () => {
  // The TCP listener the host's TCP probes reach: on 127.0.0.2 (loopback, which answers ping as 127.0.0.1
  // does; 127.0.0.1 is already a host of this user), accepting and closing each connection.
  const listener = createNetServer((socket) => socket.destroy());
  await new Promise((resolve) => listener.listen(0, '127.0.0.2', resolve));
  try {
    const port = listener.address().port;
    await page.goto(base + '/manage');
    // With JavaScript the port field hides while ICMP is chosen (without, it is there and ignored).
    assert.equal(await page.isVisible('#tcp_port'), false, 'ICMP is the default: no port field');
    await page.selectOption('#probe_method', 'both');
    assert.equal(await page.isVisible('#tcp_port'), true);
    assert.equal(await page.inputValue('#tcp_port'), '443', 'the default port');
    await page.fill('#hostname', '127.0.0.2');
    await page.fill('#label', 'icmp and tcp');
    await page.fill('#tcp_port', String(port));
    await Promise.all([page.waitForURL(base + '/manage'), page.click('form[action="/manage/hosts"] button[type=submit]')]);
    const row = page.locator('table.hosts tbody tr', { hasText: '127.0.0.2' });
    assert.match(await row.textContent(), new RegExp(`ICMP \\+ TCP ${port}`));

    // Rounds of both kinds: the report shows it up with its method.
    const deadline = Date.now() + 90000;
    let state = '';
    while (Date.now() < deadline) {
      await page.goto(base + '/report');
      const reportRow = page.locator('table.report tbody tr', { hasText: '127.0.0.2' });
      state = (await reportRow.locator('td:first-child .badge').textContent()) || '';
      if (state === 'up') break;
      await page.waitForTimeout(1000);
    }
    assert.equal(state, 'up', 'ICMP and TCP both answer on loopback');
    assert.match(await page.locator('table.report tbody tr', { hasText: '127.0.0.2' }).textContent(),
      new RegExp(`ICMP \\+ TCP ${port}`));

    await page.click('table.report a:text-is("127.0.0.2")');
    // Both kinds have points once a round of each is stored; the chart redraws every round.
    await page.waitForSelector('#chart[data-drawn-methods="icmp tcp"] canvas', { timeout: 60000 });
    assert.equal(await page.locator('.legend .series-key').count(), 2, 'a legend entry per method');
    assert.deepEqual(await page.locator('.legend .series-key').evaluateAll((keys) => keys.map((key) => key.textContent.trim())),
      ['ICMP median', 'TCP median']);
    assert.equal(await page.locator('table.latest tbody tr').count(), 2, 'the latest round: a row per method');
    assert.match(await page.textContent('table.latest tbody tr.method-tcp'), new RegExp(`TCP ${port}`));
    await page.waitForTimeout(300);
    await shot('17-host-both-methods');
  } finally {
    await new Promise((resolve) => listener.close(resolve));
  }
});

test('signing out ends the session', async () => {
  await page.goto(base + '/account');
  await shot('10-account');
  await Promise.all([page.waitForURL(base + '/'), page.click('form[action="/signout"] button')]);
  await page.goto(base + '/report');
  assert.match(page.url(), /\/signin\?next=/);
  await shot('11-signed-out');
});
