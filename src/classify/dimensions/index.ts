/** Every classification dimension, by module name (one file each). */
import type { Dimension } from '../dimension.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const DIMENSIONS: Record<string, Dimension<any>> = {};
