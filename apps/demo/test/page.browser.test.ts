// The page end to end in headless Chromium (Debian's, the flags every browser test here uses): served by the
// demo's own server, driven as a user would — chips, Generate, the steps, Download, Describe, Ask, uploads.
// The model is a tiny one made here (random weights: what it draws and says is not judged here; the shipped
// model's quality is checked in shipped.browser.test.ts).
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodePng, encodePng, faceSeed, Rng, renderFace, sampleAttributes } from '@unif2ace/data';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs, chromiumPath } from '../../../tools/vitest/chromium.js';
import { type DemoServer, startDemoServer } from '../src/server.js';
import { saveFixtureModel } from './fixture.js';

const PAGE_DIR = fileURLToPath(new URL('../dist/page/', import.meta.url));

let dir: string;
let server: DemoServer;
let browser: Browser;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'demo-page-'));
  await saveFixtureModel(join(dir, 'model'));
  server = await startDemoServer({ pageDir: PAGE_DIR, modelDir: join(dir, 'model') });
  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function open(url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ acceptDownloads: true });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(url);
  await page.waitForFunction(
    () => ['ready', 'error', 'none'].includes(document.body.dataset.model ?? ''),
    null,
    {
      timeout: 120_000,
    },
  );
  return { page, errors };
}

const text = (page: Page, sel: string) =>
  page
    .locator(sel)
    .textContent()
    .then((t) => t ?? '');

describe('the demo page', () => {
  it('loads cross-origin isolated, shows the backend it picked, generates step by step, downloads, describes and answers', async () => {
    const { page, errors } = await open(server.url);
    expect(await page.evaluate(() => document.body.dataset.model)).toBe('ready');
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
    // SwiftShader is a software adapter, so auto takes WASM, with threads (the page is isolated)
    expect(await text(page, '#backend-info')).toMatch(
      /^wasm · [2-9] threads — WebGPU adapter '.*' is a software/,
    );
    // compose the description from chips
    await page.click('.chip[data-attr="gender"][data-value="feminine"]');
    await page.click('.chip[data-attr="hairColor"][data-value="red"]');
    await page.click('.chip[data-attr="glasses"][data-value="round"]');
    const prompt = await page.inputValue('#prompt');
    expect(prompt).toMatch(/red hair/);
    expect(prompt).toMatch(/round(-rimmed)? glasses/);
    await page.fill('#steps', '4');
    await page.click('#generate');
    await page.waitForSelector('#face[data-done]', { timeout: 120_000 });
    expect(await page.getAttribute('#face', 'data-steps')).toBe('4'); // every step was drawn
    expect(await text(page, '#step')).toMatch(/^done in [\d.]+ s \(\d+ ms per step\), seed 1$/);
    // the download is the face on the canvas
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    expect(download.suggestedFilename()).toBe('unif2ace-seed1.png');
    const png = decodePng(new Uint8Array(await readFile((await download.path()) as string)));
    expect([png.width, png.height]).toEqual([64, 64]);
    const canvas = await page.evaluate(() => {
      const c = document.querySelector('#face') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      return Array.from(d.filter((_, i) => i % 4 !== 3));
    });
    expect(Buffer.from(png.rgb).equals(Buffer.from(canvas))).toBe(true);
    // Understand: the generated face is picked, a caption and an answer come back
    expect(await page.getAttribute('#und-face', 'data-source')).toBe('generated');
    await page.click('#describe');
    await page.waitForFunction(() => document.querySelector('#caption')?.textContent !== '…');
    await page.fill('#question', 'Is she wearing glasses?');
    await page.click('#ask');
    await page.waitForSelector('#answers li[data-done]');
    expect(await page.locator('#answers li').count()).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('answers every bad input with a message and keeps working', async () => {
    const { page, errors } = await open(server.url);
    const msg = async (sel: string) => ({
      text: await text(page, sel),
      cls: await page.getAttribute(sel, 'class'),
    });
    /** Uploads `file` and waits for the page to have dealt with it (a message, or the new face). */
    const upload = async (file: string) => {
      await page.evaluate(() => {
        (document.querySelector('#und-msg') as HTMLElement).textContent = '';
        (document.querySelector('#und-source') as HTMLElement).textContent = '';
      });
      await page.setInputFiles('#upload', file);
      await page.waitForFunction(
        () =>
          !!(
            document.querySelector('#und-msg')?.textContent ||
            document.querySelector('#und-source')?.textContent
          ),
      );
    };
    await page.fill('#prompt', '   ');
    await page.click('#generate');
    expect(await msg('#gen-msg')).toEqual({
      text: 'The description is empty: say what the face looks like, e.g. "a young woman with long red hair".',
      cls: 'msg error',
    });
    await page.fill('#prompt', 'blond hair '.repeat(1000));
    await page.click('#generate');
    expect((await msg('#gen-msg')).text).toMatch(
      /^The description is 10,999 characters long; the limit is 2000/,
    );
    await page.fill('#steps', '0');
    await page.fill('#prompt', 'A man with a beard');
    await page.click('#generate');
    expect((await msg('#gen-msg')).text).toBe('Steps must be a whole number from 1 to 64 (got "0").');
    // unknown words: said, and the face is drawn anyway
    await page.fill('#steps', '2');
    await page.fill('#prompt', 'A man with a beard on a skateboard');
    await page.click('#generate');
    expect(await msg('#gen-msg')).toEqual({
      text: 'Words the model never saw in training (it will ignore them): "skateboard".',
      cls: 'msg warn',
    });
    await page.waitForSelector('#face[data-done]', { timeout: 120_000 });
    // longer than the model reads: drawn from the first tokens, and said so
    await page.fill('#prompt', 'A woman with long wavy red hair and green eyes. '.repeat(8));
    await page.click('#generate');
    await page.waitForSelector('#face[data-done]', { timeout: 120_000 });
    expect((await msg('#gen-msg')).text).toMatch(
      /^The description is \d+ tokens; the model reads the first 46 and ignored the rest\.$/,
    );
    // uploads: not an image, 50 MB, then a real photo-sized PNG that works
    const notes = join(dir, 'notes.txt');
    await writeFile(notes, 'hello, these are words\n');
    await upload(notes);
    expect(await msg('#und-msg')).toEqual({
      text: '"notes.txt" is not a PNG or JPEG image (it looks like text). The previous face is kept.',
      cls: 'msg error',
    });
    const big = join(dir, 'big.png');
    await writeFile(big, '');
    await truncate(big, 50 * 2 ** 20);
    await upload(big);
    expect((await msg('#und-msg')).text).toMatch(/^"big\.png" is 50\.0 MB; the limit is 20 MB/);
    const seed = faceSeed(3, 1);
    const face = renderFace(sampleAttributes(Rng.derive(seed, 'attributes')), { size: 160, seed });
    const photo = join(dir, 'photo.png');
    await writeFile(photo, encodePng(face.rgb, face.width, face.height));
    await upload(photo);
    expect(await text(page, '#und-source')).toBe('uploaded: photo.png (centre-cropped to 64 × 64)');
    expect(await page.getAttribute('#und-face', 'data-source')).toBe('upload');
    // an empty question is refused; a real one is answered
    await page.fill('#question', '');
    await page.click('#ask');
    expect((await msg('#und-msg')).text).toMatch(/^The question is empty/);
    await page.fill('#question', 'What color is the background?');
    await page.click('#ask');
    await page.waitForSelector('#answers li[data-done]');
    expect(await page.evaluate(() => document.body.dataset.model)).toBe('ready');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('runs on WebGPU when asked (SwiftShader here)', async () => {
    const { page, errors } = await open(`${server.url}?backend=webgpu`);
    expect(await page.evaluate(() => document.body.dataset.backend)).toBe('webgpu');
    expect(await text(page, '#backend-info')).toMatch(/^webgpu — asked for WebGPU/);
    await page.fill('#prompt', 'A person with a green background');
    await page.fill('#steps', '2');
    await page.click('#generate');
    await page.waitForSelector('#face[data-done]', { timeout: 240_000 });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('says so where neither backend works (no WebGPU, no WebAssembly)', async () => {
    // a browser without WebGPU (no --enable-unsafe-webgpu), whose model worker has no WebAssembly
    const bare = await chromium.launch({
      executablePath: chromiumPath,
      args: chromiumArgs.filter((a) => !/webgpu|Vulkan/i.test(a)),
    });
    try {
      const page = await bare.newPage();
      await page.route('**/worker.js', async (route) => {
        const res = await route.fetch();
        await route.fulfill({ response: res, body: `delete globalThis.WebAssembly;\n${await res.text()}` });
      });
      await page.goto(server.url);
      await page.waitForFunction(() => document.body.dataset.model === 'error', null, { timeout: 60_000 });
      expect(await text(page, '#status')).toMatch(
        /^Neither backend works in this browser: WebGPU has no adapter and WebAssembly failed \(.+\)\. A current Chrome/,
      );
      expect(await text(page, '#backend-info')).toBe('no backend');
      expect(await page.isDisabled('#generate')).toBe(true);
    } finally {
      await bare.close();
    }
  });

  it('says so when no model is served, and the page still works', async () => {
    const bare = await startDemoServer({ pageDir: PAGE_DIR, modelDir: null });
    try {
      const { page, errors } = await open(bare.url);
      expect(await page.evaluate(() => document.body.dataset.model)).toBe('none');
      expect(await text(page, '#status')).toMatch(/^No model is served\. Start the demo with a model folder/);
      expect(await page.isDisabled('#generate')).toBe(true);
      await page.click('#another-sample'); // the rest of the page still responds
      expect(await text(page, '#und-source')).toMatch(/^a held-out sample face/);
      expect(errors.filter((e) => !/404/.test(e))).toEqual([]);
      await page.close();
    } finally {
      await bare.close();
    }
  });
});
