export type { RenderedFace, RenderOptions } from './render.js';
export { renderFace } from './render.js';
