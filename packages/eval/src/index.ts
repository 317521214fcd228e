export type { RgbImage } from './images.js';
export {
  arrayToImages,
  byteToUnit,
  imagesToArray,
  imagesToTensor,
  tensorToImages,
  unitToByte,
} from './images.js';
