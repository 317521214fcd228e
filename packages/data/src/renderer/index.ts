export { renderFace } from './render.js';
export type { RenderOptions, RenderedFace } from './render.js';
