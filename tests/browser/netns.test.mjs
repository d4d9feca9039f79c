// End-to-end test of the real gateway in headless Chromium.
//
// scripts/browser-netns-test.sh builds three network namespaces (client, gateway, upstream),
// runs `antoan run` with nftables in the gateway one, and starts this file inside the client
// one. The browser then reaches the upstream HTTP server only through the gateway: first held
// back and sent to the splash, then let through after the right answer.
//
// The script passes every address in NETNS_* environment variables. The test refuses to start
// unless this process owns the client address, so it never sends traffic to these addresses
// through the host's own network.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';
import { parse as parseToml } from 'smol-toml';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS_DIR = path.join(REPO_ROOT, 'target', 'screenshots');

const CLIENT_ADDRESS = requiredEnv('NETNS_CLIENT_ADDRESS');
const PORTAL_URL = new URL(requiredEnv('NETNS_PORTAL_URL'));
const UPSTREAM_URL = new URL(requiredEnv('NETNS_UPSTREAM_URL'));
const UPSTREAM_V6_URL = new URL(requiredEnv('NETNS_UPSTREAM_V6_URL'));
const NOTICES_DIR = requiredEnv('NETNS_NOTICES_DIR');
const UPSTREAM_HTTPS_URL = new URL(UPSTREAM_URL.href.replace(/^http:/, 'https:'));

const ONLINE_HEADING_VI = 'Bạn đã được kết nối internet';
const UPSTREAM_TEXT = 'upstream-ok';
// A held-back device's HTTPS is rejected with a TCP reset, so the browser fails at once. A
// dropped connection would instead hang until the navigation timeout below.
const FAST_FAILURE_MS = 3_000;
const NAVIGATION_TIMEOUT_MS = 15_000;
const TEST_TIMEOUT = 60_000;
const PHONE = { width: 360, height: 640 };

// The same flags as flow.test.mjs. The resolver rule differs only in which hosts it exempts:
// the namespaces' addresses here in place of 127.0.0.1, so no host name is ever resolved.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  `--host-resolver-rules=MAP * ~NOTFOUND, ${[PORTAL_URL, UPSTREAM_URL, UPSTREAM_V6_URL]
    .map((url) => `EXCLUDE ${bareHost(url)}`)
    .join(', ')}`,
];

/**
 * Returns the URL's host without the brackets of an IPv6 literal. Chromium 156 matches
 * `EXCLUDE` patterns against that form: `EXCLUDE [2001:db8:2::2]` left the literal unresolved.
 */
function bareHost(url) {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set. Run this test with scripts/browser-netns-test.sh, ` +
      'which builds the network namespaces and sets the NETNS_* variables.');
  }
  return value;
}

/** Throws unless one of this namespace's interfaces has `address`. */
function assertInsideClientNamespace(address) {
  const owned = Object.values(networkInterfaces())
    .flat()
    .map((entry) => entry.address);
  if (!owned.includes(address)) {
    throw new Error(`expected to run inside the client network namespace with address ${address}, ` +
      `but this process has only ${owned.join(', ')}. Run it with scripts/browser-netns-test.sh.`);
  }
}

// ---------------------------------------------------------------------------------------------
// Notices

/** Notices from the notices folder, keyed by their `id`. */
const notices = await loadNotices();

async function loadNotices() {
  const byId = new Map();
  for (const name of (await readdir(NOTICES_DIR)).sort()) {
    if (!name.endsWith('.toml')) continue;
    const notice = parseToml(await readFile(path.join(NOTICES_DIR, name), 'utf8'));
    byId.set(notice.id, notice);
  }
  return byId;
}

function notice(id) {
  const found = notices.get(id);
  assert.ok(found, `expected a notice file in ${NOTICES_DIR} with id "${id}"`);
  return found;
}

function rightAnswer(id) {
  const right = notice(id).answers.filter((answer) => answer.right === true);
  assert.equal(right.length, 1, `expected exactly one right answer in notice "${id}"`);
  return right[0];
}

// ---------------------------------------------------------------------------------------------
// Page helpers

async function htmlLang(page) {
  return page.locator('html').getAttribute('lang');
}

async function shownNotice(page) {
  const id = await page.locator('article.notice').getAttribute('data-notice');
  assert.ok(id, 'expected article.notice to carry a data-notice attribute');
  return id;
}

async function noticeTitle(page) {
  return (await page.locator('article.notice h1').textContent()).trim();
}

async function pageHeading(page) {
  return (await page.locator('main h1').first().textContent()).trim();
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Returns the only answer label whose whole text is `text`. */
async function answerLabel(page, text) {
  const label = page
    .locator('form.quiz label')
    .filter({ hasText: new RegExp(`^\\s*${escapeRegExp(text)}\\s*$`) });
  assert.equal(await label.count(), 1, `expected exactly one answer label reading "${text}"`);
  return label;
}

async function screenshot(page, name) {
  await mkdir(SCREENSHOTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS_DIR, name), fullPage: true });
}

async function bodyText(page) {
  return (await page.locator('body').textContent()).trim();
}

// ---------------------------------------------------------------------------------------------
// Tests

describe('gateway in network namespaces', { timeout: TEST_TIMEOUT * 6 }, () => {
  let profile;
  let context;
  let page;
  /** Notice id shown on the splash, set by the first test. */
  let splashNotice;

  before(async () => {
    assertInsideClientNamespace(CLIENT_ADDRESS);
    profile = await mkdtemp(path.join(tmpdir(), 'antoan-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: PHONE,
      screen: PHONE,
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: 'vi-VN',
      serviceWorkers: 'block',
      timeout: 30_000,
    });
    context.setDefaultTimeout(NAVIGATION_TIMEOUT_MS);
    page = context.pages()[0] ?? (await context.newPage());
  });

  after(async () => {
    await context?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it('held-back HTTP lands on the splash', { timeout: TEST_TIMEOUT }, async () => {
    const response = await page.goto(UPSTREAM_URL.href, { waitUntil: 'load' });
    assert.ok(response, `expected the browser to get a response for ${UPSTREAM_URL.href}`);

    const first = response.request().redirectedFrom();
    assert.ok(first, `expected ${UPSTREAM_URL.href} to be redirected, but the page stayed at ${page.url()}`);
    const redirect = await first.response();
    assert.equal(redirect.status(), 302, `expected ${UPSTREAM_URL.href} to answer with a 302 redirect`);

    const landed = new URL(page.url());
    assert.equal(landed.origin, PORTAL_URL.origin, `expected the splash to be served by the portal, got ${page.url()}`);
    assert.equal(landed.pathname, '/', `expected to land on the splash "/", got ${page.url()}`);
    assert.equal(response.status(), 200, 'expected the splash to answer 200');
    assert.equal(await htmlLang(page), 'vi', 'expected the splash in Vietnamese: <html lang="vi">');

    splashNotice = await shownNotice(page);
    assert.equal(await noticeTitle(page), notice(splashNotice).title.vi,
      `expected the Vietnamese title of "${splashNotice}"`);
    await screenshot(page, 'netns-splash.png');
  });

  it('held-back HTTPS fails fast', { timeout: TEST_TIMEOUT }, async (t) => {
    // A second tab, so the splash stays open in the first one for the next test.
    const tab = await context.newPage();
    try {
      const started = performance.now();
      const error = await tab.goto(UPSTREAM_HTTPS_URL.href).then(
        () => null,
        (failure) => failure,
      );
      const elapsed = performance.now() - started;

      assert.ok(error, `expected the navigation to ${UPSTREAM_HTTPS_URL.href} to fail while held back`);
      t.diagnostic(`${UPSTREAM_HTTPS_URL.href} failed after ${Math.round(elapsed)} ms: ${error.message.split('\n')[0]}`);
      assert.match(error.message, /net::ERR_CONNECTION_(RESET|REFUSED)/,
        `expected a connection reset or refused error, got: ${error.message}`);
      assert.ok(elapsed < FAST_FAILURE_MS,
        `expected the HTTPS navigation to fail in under ${FAST_FAILURE_MS} ms, took ${Math.round(elapsed)} ms`);
    } finally {
      await tab.close();
    }
  });

  it('right answer shows the online page', { timeout: TEST_TIMEOUT }, async () => {
    assert.ok(splashNotice, 'expected the splash test to have found the shown notice');
    await (await answerLabel(page, rightAnswer(splashNotice).vi)).click();
    await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      page.locator('form.quiz button[type="submit"]').click(),
    ]);

    assert.equal(await pageHeading(page), ONLINE_HEADING_VI, 'expected the online page heading');
    await screenshot(page, 'netns-online.png');
  });

  // Chromium could reuse a keep-alive connection to the upstream host from the first test, which
  // conntrack still sends to the portal. antoan closes captured connections and asks the kernel
  // before ending a session as idle, so this must pass on every run.
  it('IPv4 HTTP reaches upstream after the check', { timeout: TEST_TIMEOUT }, async () => {
    const response = await page.goto(UPSTREAM_URL.href, { waitUntil: 'load' });

    assert.equal(page.url(), UPSTREAM_URL.href, `expected no redirect away from ${UPSTREAM_URL.href}`);
    assert.equal(response?.status(), 200, `expected ${UPSTREAM_URL.href} to answer 200`);
    assert.equal(await bodyText(page), UPSTREAM_TEXT, `expected the upstream page "${UPSTREAM_TEXT}"`);
  });

  it('IPv6 HTTP reaches upstream after the check', { timeout: TEST_TIMEOUT }, async () => {
    const response = await page.goto(UPSTREAM_V6_URL.href, { waitUntil: 'load' });

    assert.equal(page.url(), UPSTREAM_V6_URL.href, `expected no redirect away from ${UPSTREAM_V6_URL.href}`);
    assert.equal(response?.status(), 200, `expected ${UPSTREAM_V6_URL.href} to answer 200`);
    assert.equal(await bodyText(page), UPSTREAM_TEXT, `expected the upstream page "${UPSTREAM_TEXT}"`);
  });
});
