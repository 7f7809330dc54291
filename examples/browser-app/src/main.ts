import { createPredictor, explain, loadModel, type Predictor } from '@servable/core';
import { createDrawPad } from './draw-pad.js';
import { planFor, type DevicePreference, type RuntimeChoice } from './runtime-choice.js';
import { createView } from './view.js';

const params = new URLSearchParams(location.search);
const deviceParam = params.get('device');
const device: DevicePreference = deviceParam === 'webgpu' || deviceParam === 'wasm' ? deviceParam : 'auto';
const view = createView();
let predictor: Predictor | undefined;
let busy = false;
let pending = false;
let predictions = 0;

function setState(state: 'loading' | 'ready' | 'error'): void {
  document.body.dataset.state = state;
}

async function predictNow(): Promise<void> {
  if (!predictor || pad.empty) return;
  if (busy) {
    pending = true;
    return;
  }
  busy = true;
  try {
    const current = predictor;
    const image = pad.snapshot();
    const started = performance.now();
    const result = await current.predict(image, { output: 'classification', topK: 3 });
    const ms = performance.now() - started;
    if (current === predictor && !Array.isArray(result)) {
      predictions++;
      document.body.dataset.predictions = String(predictions);
      view.showPrediction(result, ms);
      if (view.explainToggle.checked) {
        // Occlusion costs a few dozen predictions of the small input the model sees (28×28).
        const explanation = await explain(current, image, { method: 'occlusion', target: result.index });
        if (current === predictor) view.showExplanation(image, explanation);
      }
    }
  } catch (e) {
    view.showError(`prediction failed: ${(e as Error).message}`);
  } finally {
    busy = false;
    if (pending) {
      pending = false;
      void predictNow();
    }
  }
}

const pad = createDrawPad(view.canvas, () => void predictNow());

async function load(choice: RuntimeChoice): Promise<void> {
  setState('loading');
  view.showError(undefined);
  view.showLoading(choice);
  const previous = predictor;
  predictor = undefined;
  await previous?.dispose();
  try {
    const plan = await planFor(choice, device);
    // Start the engines in order while the model downloads (WebAssembly streamed and compiled, a
    // GPU adapter opened), up to the first that can start: WebGPU's absence costs no download.
    void (async () => {
      for (const runtime of plan.runtimes) if ((await runtime.probe()).available) break;
    })();
    const model = await loadModel(new URL(plan.modelFolder, document.baseURI), { runtimes: plan.runtimes });
    predictor = createPredictor(model);
    view.showReport(model.report);
    setState('ready');
    await predictNow();
  } catch (e) {
    const option = [...view.runtimeSelect.options].find((o) => o.value === choice);
    if (option && choice === 'tfjs') option.textContent = `${option.textContent?.replace(/ — unavailable.*/, '')} — unavailable`;
    view.showUnavailable(choice);
    view.showError(`${choice} cannot serve the model here: ${(e as Error).message}`);
    setState('error');
  }
}

view.clearButton.addEventListener('click', () => {
  pad.clear();
  view.clearPrediction();
  view.clearExplanation();
});
view.explainToggle.addEventListener('change', () => {
  if (view.explainToggle.checked) void predictNow();
  else view.clearExplanation();
});
view.runtimeSelect.addEventListener('change', () => void load(view.runtimeSelect.value as RuntimeChoice));

const initial = params.get('runtime') === 'tfjs' ? 'tfjs' : 'onnx-web';
view.runtimeSelect.value = initial;
void load(initial);
