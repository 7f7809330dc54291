/** How to get onnxruntime-node's CUDA provider libraries, for messages and the README. */
export const CUDA_INSTALL_HINT =
  'install onnxruntime-node with its CUDA 12 providers (`ONNXRUNTIME_NODE_INSTALL=cuda12 pnpm install`, or `npm install --onnxruntime-node-install=cuda12`; ' +
  'pnpm also needs onnxruntime-node allowed to run its install script), and have CUDA 12 and cuDNN 9 on the host';

/** What WebGPU in Node needs, for messages. */
export const WEBGPU_HINT = 'WebGPU in Node needs a GPU adapter that Dawn can open (Vulkan drivers on Linux, D3D12 on Windows, Metal on macOS)';
