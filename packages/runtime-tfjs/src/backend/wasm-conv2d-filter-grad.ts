import * as tf from '@tensorflow/tfjs';

type KernelArgs = { inputs: Record<string, tf.TensorInfo>; attrs: Record<string, unknown>; backend: tf.KernelBackend };

function call(kernelName: string, args: KernelArgs): tf.TensorInfo {
  const kernel = tf.getKernel(kernelName, 'wasm');
  if (!kernel) throw new Error(`wasm backend: kernel ${kernelName} is not registered`);
  return kernel.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
}

/**
 * Registers `Conv2DBackpropFilter` for the wasm backend, which lacks it, so tfjs's own gradients
 * (`model.fit`, `tf.grad`, models the Trainer runs through tfjs) train convolutions there.
 * The filter gradient is computed as a convolution with wasm's own kernels: the input as
 * `[c, h, w, n]` convolved with the output gradient as `[oh, ow, n, f]`, dilated by the stride,
 * then cropped and transposed to `[kh, kw, c, f]`. Called when the wasm backend initializes;
 * registering twice is a no-op.
 */
export function registerWasmConv2dFilterGrad(): void {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend: anyBackend, attrs }) => {
      const backend = anyBackend as tf.KernelBackend;
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as {
        strides: number | [number, number];
        pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
        dataFormat: 'NHWC' | 'NCHW';
        dimRoundingMode?: 'floor' | 'round' | 'ceil';
        filterShape: [number, number, number, number];
      };
      if (dataFormat === 'NCHW') throw new Error('wasm Conv2DBackpropFilter: only NHWC data is supported');
      const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
      const [kh, kw, c, f] = filterShape;
      const temps: tf.TensorInfo[] = [];
      const keep = (t: tf.TensorInfo) => (temps.push(t), t);
      try {
        const xt = keep(call('Transpose', { inputs: { x }, attrs: { perm: [3, 1, 2, 0] }, backend }));
        const dyt = keep(call('Transpose', { inputs: { x: dy }, attrs: { perm: [1, 2, 0, 3] }, backend }));
        const padding = [[0, 0], [info.padInfo.top, info.padInfo.bottom], [info.padInfo.left, info.padInfo.right], [0, 0]];
        const full = keep(
          call('Conv2D', {
            inputs: { x: xt, filter: dyt },
            attrs: { strides: [1, 1], pad: padding, dataFormat: 'NHWC', dilations: [info.strideHeight, info.strideWidth], dimRoundingMode: undefined },
            backend,
          }),
        );
        const cropped = full.shape[1] === kh && full.shape[2] === kw ? full : keep(call('Slice', { inputs: { x: full }, attrs: { begin: [0, 0, 0, 0], size: [c, kh, kw, f] }, backend }));
        return call('Transpose', { inputs: { x: cropped }, attrs: { perm: [1, 2, 0, 3] }, backend });
      } finally {
        for (const t of temps) backend.disposeData(t.dataId);
      }
    },
  });
}
