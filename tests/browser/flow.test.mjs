// End-to-end tests of the antoan splash in a real headless Chromium.
//
// Each test starts its own `antoan demo` on loopback (port 0), drives Debian's Chromium with
// playwright-core, and reads the notice files in splash/notices/ to know the expected texts.
// Every request goes to 127.0.0.1: the browser reaches the portal by its loopback address, and
// the metrics are fetched from loopback only.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';
import { parse as parseToml } from 'smol-toml';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ANTOAN_BIN = process.env.ANTOAN_BIN ?? path.join(REPO_ROOT, 'target', 'debug', 'antoan');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const NOTICES_DIR = path.join(REPO_ROOT, 'splash', 'notices');
const SCREENSHOTS_DIR = path.join(REPO_ROOT, 'target', 'screenshots');

const ONLINE_HEADING_VI = 'Bạn đã được kết nối internet';
const PAGE_WEIGHT_LIMIT = 50 * 1024;
const TEST_TIMEOUT = 90_000;
const PHONE = { width: 360, height: 640 };

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // A second guard besides the flags above: no host but 127.0.0.1 resolves.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]']);

// ---------------------------------------------------------------------------------------------
// Notices

/** Notices from splash/notices/, keyed by their `id`. */
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
  assert.ok(found, `expected a notice file in splash/notices/ with id "${id}"`);
  return found;
}

function rightAnswer(id) {
  const right = notice(id).answers.filter((answer) => answer.right === true);
  assert.equal(right.length, 1, `expected exactly one right answer in notice "${id}"`);
  return right[0];
}

function wrongAnswer(id) {
  const wrong = notice(id).answers.find((answer) => answer.right !== true);
  assert.ok(wrong, `expected at least one wrong answer in notice "${id}"`);
  return wrong;
}

// ---------------------------------------------------------------------------------------------
// The portal under test

const runningDemos = new Set();
process.on('exit', () => {
  for (const child of runningDemos) child.kill('SIGKILL');
});

/** Starts `antoan demo` on loopback port 0 and returns its two URLs. The demo stops after the test. */
async function startDemo(t) {
  const child = spawn(
    ANTOAN_BIN,
    ['demo', '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0'],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  runningDemos.add(child);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    runningDemos.delete(child);
  });

  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => {
    stderr += chunk;
  });
  const urls = await new Promise((resolve, reject) => {
    const fail = (reason) =>
      reject(new Error(`expected antoan demo to print its splash and metrics URLs, but ${reason}\n` +
        `stdout:\n${stdout}\nstderr:\n${stderr}`));
    const timer = setTimeout(() => fail('it printed none within 20 s'), 20_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      fail(`it could not start (${error.message})`);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      fail(`it exited early (code ${code}, signal ${signal})`);
    });
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
      const found = stdout.match(/http:\/\/127\.0\.0\.1:\d+\/\S*/g) ?? [];
      if (found.length >= 2) {
        clearTimeout(timer);
        resolve({ splash: found[0], metrics: found[1] });
      }
    });
  });
  const origin = new URL(urls.splash).origin;
  return { ...urls, origin, stderr: () => stderr };
}

/** Fetches a URL with Node and returns its text, after checking that the host is loopback. */
async function loopbackText(url) {
  assert.ok(LOOPBACK_HOSTS.has(new URL(url).hostname), `expected a loopback URL, got ${url}`);
  const response = await fetch(url);
  assert.equal(response.status, 200, `expected ${url} to answer 200`);
  return response.text();
}

// Returns whether the exposition has the series `line` names, such as
// `name{a="1",b="2"} 3`, with at least those labels in any order (Prometheus does not order them).
function metricLine(exposition, line) {
  const parse = (text) => {
    const match = /^([a-z_]+)\{(.*)\} (\S+)$/.exec(text.trim());
    if (!match) return null;
    const labels = new Set(match[2].match(/[a-z_]+="[^"]*"/g) ?? []);
    return { name: match[1], labels, value: match[3] };
  };
  const wanted = parse(line);
  return exposition.split('\n').some((candidate) => {
    const found = parse(candidate);
    return found !== null
      && found.name === wanted.name
      && found.value === wanted.value
      && [...wanted.labels].every((label) => found.labels.has(label));
  });
}

function metricLines(exposition, name) {
  return exposition
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`))
    .join('\n');
}

// ---------------------------------------------------------------------------------------------
// The browser

/** Launches Chromium with a fresh profile and a phone-sized page. The browser closes after the test. */
async function openBrowser(t, { locale }) {
  const profile = await mkdtemp(path.join(tmpdir(), 'antoan-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: PHONE,
    screen: PHONE,
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale,
    serviceWorkers: 'block',
    timeout: 30_000,
  });
  t.after(async () => {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  });
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page };
}

/** Opens a path the portal does not serve, as an OS probe would, and lands on the splash. */
async function openSplashThroughProbe(page, demo) {
  const response = await page.goto(`${demo.origin}/generate_204`, { waitUntil: 'load' });
  assert.ok(response, 'expected the browser to get a response for /generate_204');
  const first = response.request().redirectedFrom();
  assert.ok(first, `expected /generate_204 to be redirected, but the page stayed at ${page.url()}`);
  const redirect = await first.response();
  assert.equal(redirect.status(), 302, 'expected /generate_204 to answer with a 302 redirect');
  assert.equal(new URL(page.url()).pathname, '/', `expected to land on the splash "/", got ${page.url()}`);
  assert.equal(response.status(), 200, 'expected the splash to answer 200');
  return response;
}

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

async function assertNoSidewaysScroll(page, pageName) {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  assert.ok(
    scrollWidth <= clientWidth,
    `expected the ${pageName} not to scroll sideways at ${PHONE.width} px, ` +
      `but scrollWidth ${scrollWidth} > clientWidth ${clientWidth}`,
  );
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

async function answerWith(page, text) {
  await (await answerLabel(page, text)).click();
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.locator('form.quiz button[type="submit"]').click(),
  ]);
}

async function screenshot(page, name) {
  await mkdir(SCREENSHOTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS_DIR, name), fullPage: true });
}

/** Describes the focused element: its kind, text, checked state and outline style. */
async function focused(page) {
  return page.evaluate(() => {
    const element = document.activeElement;
    if (!element || element === document.body) return { kind: 'body', text: '' };
    if (element.matches('input[type="radio"]')) {
      const label = document.querySelector(`label[for="${CSS.escape(element.id)}"]`);
      return {
        kind: 'radio',
        text: label ? label.textContent.trim() : '',
        checked: element.checked,
        outline: getComputedStyle(element.closest('.answer') ?? element).outlineStyle,
      };
    }
    return {
      kind: element.tagName.toLowerCase() + (element.type ? `[type=${element.type}]` : ''),
      text: element.textContent.trim(),
      outline: getComputedStyle(element).outlineStyle,
    };
  });
}

/** Presses Tab until `isTarget` accepts the focused element, at most `limit` times. */
async function tabUntil(page, isTarget, limit) {
  const seen = [];
  for (let presses = 0; presses < limit; presses += 1) {
    await page.keyboard.press('Tab');
    const now = await focused(page);
    seen.push(`${now.kind} "${now.text.slice(0, 40)}"`);
    if (isTarget(now)) return { now, seen };
  }
  return { now: null, seen };
}

/** Returns the URLs among `requests` whose host is not 127.0.0.1. */
function offLoopback(requests) {
  return requests.map((request) => request.url()).filter((url) => new URL(url).hostname !== '127.0.0.1');
}

/** Adds up the response bytes, headers and body as received, of every request in `requests`. */
async function responseBytes(requests) {
  let total = 0;
  const lines = [];
  for (const request of requests) {
    const sizes = await request.sizes();
    const bytes = sizes.responseHeadersSize + sizes.responseBodySize;
    total += bytes;
    lines.push(`${bytes} B  ${request.url()}`);
  }
  return { total, lines };
}

// ---------------------------------------------------------------------------------------------
// Tests

test('right answer on phone grants access', { timeout: TEST_TIMEOUT }, async (t) => {
  const demo = await startDemo(t);
  const { page } = await openBrowser(t, { locale: 'vi-VN' });

  await openSplashThroughProbe(page, demo);
  assert.equal(await htmlLang(page), 'vi', 'expected the splash in Vietnamese: <html lang="vi">');
  const id = await shownNotice(page);
  const title = page.locator('article.notice h1');
  assert.ok(await title.isVisible(), 'expected the notice title (article.notice h1) to be visible');
  assert.notEqual(await noticeTitle(page), '', 'expected the notice title not to be empty');
  assert.equal(await noticeTitle(page), notice(id).title.vi, `expected the Vietnamese title of "${id}"`);
  await assertNoSidewaysScroll(page, 'splash');
  await screenshot(page, 'splash.png');

  await answerWith(page, rightAnswer(id).vi);
  assert.equal(await pageHeading(page), ONLINE_HEADING_VI, 'expected the online page heading');
  await assertNoSidewaysScroll(page, 'online page');
  await screenshot(page, 'online.png');

  const metrics = await loopbackText(demo.metrics);
  const grant = 'antoan_grants_total{reason="right_answer",site="demo"} 1';
  assert.ok(metricLine(metrics, grant),
    `expected the metrics to have "${grant}"; grant lines were:\n${metricLines(metrics, 'antoan_grants_total')}`);
  const view = `antoan_notice_views_total{lang="vi",notice="${id}",topic="${notice(id).topic}",site="demo"} 1`;
  assert.ok(metricLine(metrics, view),
    `expected the metrics to have "${view}"; view lines were:\n${metricLines(metrics, 'antoan_notice_views_total')}`);
});

test('two wrong answers still grant access', { timeout: TEST_TIMEOUT }, async (t) => {
  const demo = await startDemo(t);
  const { page } = await openBrowser(t, { locale: 'vi-VN' });

  await openSplashThroughProbe(page, demo);
  const first = await shownNotice(page);
  await answerWith(page, wrongAnswer(first).vi);

  const feedback = page.locator('section.feedback.wrong');
  assert.ok(await feedback.isVisible(), 'expected the explanation (section.feedback.wrong) after a wrong answer');
  const feedbackText = await feedback.textContent();
  const right = rightAnswer(first).vi;
  assert.ok(feedbackText.includes(right),
    `expected the explanation to give the right answer "${right}", got:\n${feedbackText.trim()}`);
  const second = await shownNotice(page);
  assert.notEqual(second, first, `expected a different notice after a wrong answer, got "${first}" again`);
  assert.equal(await noticeTitle(page), notice(second).title.vi, `expected the Vietnamese title of "${second}"`);

  await answerWith(page, wrongAnswer(second).vi);
  assert.equal(await pageHeading(page), ONLINE_HEADING_VI, 'expected the online page after the second wrong answer');

  const metrics = await loopbackText(demo.metrics);
  const grant = 'antoan_grants_total{reason="after_wrong_answers",site="demo"} 1';
  assert.ok(metricLine(metrics, grant),
    `expected the metrics to have "${grant}"; grant lines were:\n${metricLines(metrics, 'antoan_grants_total')}`);
});

test('keyboard alone reaches the online page', { timeout: TEST_TIMEOUT }, async (t) => {
  const demo = await startDemo(t);
  const { page } = await openBrowser(t, { locale: 'vi-VN' });

  await openSplashThroughProbe(page, demo);
  const id = await shownNotice(page);
  const right = rightAnswer(id).vi;

  const toAnswers = await tabUntil(page, (now) => now.kind === 'radio', 20);
  assert.ok(toAnswers.now, `expected Tab to reach an answer; focus went through:\n${toAnswers.seen.join('\n')}`);
  t.diagnostic(`Tab order to the first answer: ${toAnswers.seen.join(' → ')}`);
  assert.notEqual(toAnswers.now.outline, 'none', 'expected the focused answer to show a focus outline');

  let now = toAnswers.now;
  for (let moves = 0; now.text !== right && moves < notice(id).answers.length; moves += 1) {
    await page.keyboard.press('ArrowDown');
    now = await focused(page);
  }
  assert.equal(now.text, right, 'expected the arrow keys to reach the right answer');
  if (!now.checked) {
    await page.keyboard.press('Space');
    now = await focused(page);
  }
  assert.ok(now.checked, `expected the right answer "${right}" to be selected from the keyboard`);

  const toSubmit = await tabUntil(page, (state) => state.kind === 'button[type=submit]', 5);
  assert.ok(toSubmit.now, `expected Tab to reach the submit button; focus went through:\n${toSubmit.seen.join('\n')}`);
  assert.notEqual(toSubmit.now.outline, 'none', 'expected the focused submit button to show a focus outline');

  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
  assert.equal(await pageHeading(page), ONLINE_HEADING_VI, 'expected Enter on the submit button to reach the online page');
});

test('English splash switches back to Vietnamese', { timeout: TEST_TIMEOUT }, async (t) => {
  const demo = await startDemo(t);
  const { page } = await openBrowser(t, { locale: 'en-US' });

  await openSplashThroughProbe(page, demo);
  assert.equal(await htmlLang(page), 'en', 'expected Accept-Language: en-US to give <html lang="en">');
  const id = await shownNotice(page);
  assert.equal(await noticeTitle(page), notice(id).title.en, `expected the English title of "${id}"`);

  const language = page.locator('header a.switch');
  assert.ok(await language.isVisible(), 'expected a visible language switch link in the header');
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), language.click()]);
  assert.equal(await htmlLang(page), 'vi', 'expected the language switch to give <html lang="vi">');
  assert.equal(await shownNotice(page), id, 'expected the language switch to keep the same notice');
  assert.equal(await noticeTitle(page), notice(id).title.vi, `expected the Vietnamese title of "${id}"`);
});

test('splash load stays small and local', { timeout: TEST_TIMEOUT }, async (t) => {
  const demo = await startDemo(t);
  const { page } = await openBrowser(t, { locale: 'vi-VN' });

  const requests = [];
  page.on('request', (request) => requests.push(request));
  await openSplashThroughProbe(page, demo);
  await page.waitForLoadState('networkidle');

  assert.deepEqual(offLoopback(requests), [], 'expected every request of the splash load to go to 127.0.0.1');

  const { total, lines } = await responseBytes(requests);
  t.diagnostic(`splash load: ${requests.length} responses, ${total} bytes`);
  assert.ok(total < PAGE_WEIGHT_LIMIT,
    `expected the splash load to weigh under ${PAGE_WEIGHT_LIMIT} bytes, got ${total}:\n${lines.join('\n')}`);
});

test('each notice is narrow, small, local', { timeout: TEST_TIMEOUT }, async (t) => {
  const demo = await startDemo(t);
  const { context, page } = await openBrowser(t, { locale: 'vi-VN' });
  // With the cache off, each notice's load counts its stylesheet and picture again.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });

  for (const id of notices.keys()) {
    const requests = [];
    const record = (request) => requests.push(request);
    page.on('request', record);
    await page.goto(`${demo.origin}/?lang=vi&notice=${encodeURIComponent(id)}`, { waitUntil: 'networkidle' });
    page.off('request', record);

    assert.equal(await shownNotice(page), id, `expected /?notice=${id} to show that notice`);
    assert.deepEqual(offLoopback(requests), [], `expected every request of notice "${id}" to go to 127.0.0.1`);

    const { total, lines } = await responseBytes(requests);
    assert.ok(total < PAGE_WEIGHT_LIMIT,
      `expected the splash of notice "${id}" to weigh under ${PAGE_WEIGHT_LIMIT} bytes, got ${total}:\n${lines.join('\n')}`);
    await assertNoSidewaysScroll(page, `splash of notice "${id}"`);
  }
});
