// Renders the pinned faces and compares pixel hashes with the ones computed in Node (fixture written by
// render.test.ts). The browser project runs it in Chromium; the node project runs it too (harmless).
import { describe, expect, it } from 'vitest';
import { renderCaseHashes } from './determinism.js';
import fixture from './fixtures/render-hashes.json';

describe('renderFace in Chromium', () => {
  it('produces the same pixels as Node for the same seeds', () => {
    expect(renderCaseHashes()).toEqual(fixture.hashes);
  });
});
