import { defaultPatchSide, elementGroups, imageWindows, patchDims } from './example-layout.js';
import type { ExplainContext } from './explain-context.js';
import type { ExplainOptions } from './explanation.js';
import type { MethodPlan } from './method-plan.js';

/**
 * Occlusion: replaces each patch (images) or each feature (tabular input) with the baseline and
 * records the drop of the target output, f(x) − f(x with the patch occluded). Each patch's drop is
 * shared evenly among its elements, and an element covered by several patches gets the mean of
 * its shares; with the stride equal to the patch, attributions sum to the total drop.
 * Spends one evaluation per patch position.
 */
export function planOcclusion(ctx: ExplainContext, options: ExplainOptions): MethodPlan {
  const { layout, x, baseline, size } = ctx;
  let windows: Int32Array[];
  if (layout.kind === 'image') {
    const patch = patchDims(options.patch, 'patch', defaultPatchSide(layout));
    const stride = options.stride === undefined ? patch : patchDims(options.stride, 'stride', 1);
    windows = imageWindows(layout, patch, stride);
  } else {
    windows = elementGroups(size);
  }
  return {
    evaluations: windows.length,
    async run(evaluator, target) {
      const occluded = await evaluator.targets(
        windows.length,
        (row, values) => {
          values.set(x);
          for (const i of windows[row]!) values[i] = baseline[i]!;
        },
        target.index,
      );
      const sum = new Float64Array(size);
      const count = new Float64Array(size);
      windows.forEach((w, k) => {
        const share = (target.value - occluded[k]!) / w.length;
        for (const i of w) {
          sum[i]! += share;
          count[i]! += 1;
        }
      });
      const attributions = new Float64Array(size);
      for (let i = 0; i < size; i++) attributions[i] = count[i]! > 0 ? sum[i]! / count[i]! : 0;
      return { attributions };
    },
  };
}
