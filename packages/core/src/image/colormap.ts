/**
 * Colour maps for attribution pictures.
 * - `diverging`: blue for negative, white for zero, red for positive (signed attributions).
 * - `heat`: black → red → yellow → white, for magnitudes.
 * - `viridis`: the perceptually uniform dark blue → green → yellow map, for magnitudes.
 * - `gray`: black → white, for magnitudes.
 */
export type Colormap = 'diverging' | 'heat' | 'viridis' | 'gray';

/** The colour maps, in a stable order. */
export const COLORMAPS: readonly Colormap[] = ['diverging', 'heat', 'viridis', 'gray'];

type Rgb = readonly [number, number, number];

const ANCHORS: Record<Colormap, readonly Rgb[]> = {
  diverging: [
    [33, 102, 172],
    [146, 197, 222],
    [247, 247, 247],
    [244, 165, 130],
    [178, 24, 43],
  ],
  heat: [
    [0, 0, 0],
    [160, 20, 20],
    [240, 90, 20],
    [255, 210, 60],
    [255, 255, 255],
  ],
  viridis: [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ],
  gray: [
    [0, 0, 0],
    [255, 255, 255],
  ],
};

/** True for maps of signed values (zero in the middle). */
export function isDivergingColormap(map: Colormap): boolean {
  return map === 'diverging';
}

/**
 * The colour of `t` on a map: `t` in [−1, 1] for `diverging` (0 is white), [0, 1] otherwise;
 * values outside are clamped.
 * @returns red, green and blue, 0–255
 */
export function colormapColor(map: Colormap, t: number): Rgb {
  const anchors = ANCHORS[map];
  let u = isDivergingColormap(map) ? (t + 1) / 2 : t;
  u = Math.min(1, Math.max(0, Number.isFinite(u) ? u : 0));
  const pos = u * (anchors.length - 1);
  const i = Math.min(anchors.length - 2, Math.floor(pos));
  const f = pos - i;
  const a = anchors[i]!;
  const b = anchors[i + 1]!;
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}
