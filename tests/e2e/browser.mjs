// Debian's Chromium, headless, for the browser tests: one page of the given viewport whose script errors are
// printed into the test's output (a page error is a bug the assertions may not reach).
import { createRequire } from 'node:module';
import { join } from 'node:path';

// playwright-core is in web/node_modules, which tests/e2e/run names in NODE_PATH.
const require = createRequire(join(process.env.NODE_PATH || '.', 'noop.js'));
const { chromium } = require('playwright-core');

export async function openBrowser(viewport) {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.log('# page error:', error.message));
  return { browser, context, page };
}
