/** True in Node.js, where onnxruntime-web runs its own Node build on WebAssembly. */
export function isNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
}

/** True on a page served with COOP/COEP headers, where `SharedArrayBuffer` and threads work. */
export function isCrossOriginIsolated(): boolean {
  return (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
}
