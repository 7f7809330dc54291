import { colormapColor, drawHeatmapOnCanvas, formatReport, type Classification, type Colormap, type Explanation, type ImageInput, type ModelReport } from '@servable/core';

/** The colour map of the heatmap; the legend is drawn from the same one. */
const COLORMAP: Colormap = 'diverging';

/** A CSS gradient of a diverging colour map from −1 (left) to +1 (right), as the heatmap colours attributions. */
export function legendGradient(map: Colormap): string {
  const stops = Array.from({ length: 9 }, (_, i) => {
    const t = -1 + i / 4;
    const [r, g, b] = colormapColor(map, t);
    return `rgb(${r}, ${g}, ${b}) ${(i * 12.5).toFixed(1)}%`;
  });
  return `linear-gradient(to right, ${stops.join(', ')})`;
}

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page: expected an element #${id}, got none — index.html and the script disagree`);
  return el as T;
}

/** The parts of the page the app writes to. */
export interface View {
  readonly canvas: HTMLCanvasElement;
  readonly clearButton: HTMLButtonElement;
  readonly runtimeSelect: HTMLSelectElement;
  readonly explainToggle: HTMLInputElement;
  /** Draws the drawing with its attributions over it, and what the explanation cost. */
  showExplanation(image: ImageInput, explanation: Explanation): void;
  /** Hides the explanation. */
  clearExplanation(): void;
  /** Shows the top classes as labels with probability bars. */
  showPrediction(result: Classification, ms: number): void;
  /** Empties the prediction. */
  clearPrediction(): void;
  /** Shows which runtime and device serve the model, and why earlier ones do not. */
  showReport(report: ModelReport): void;
  /** Shows that a model is loading. */
  showLoading(what: string): void;
  /** Shows that a runtime cannot serve the model here. */
  showUnavailable(what: string): void;
  /** Shows an error (or hides it with `undefined`). */
  showError(message: string | undefined): void;
}

/** Binds the page's elements. */
export function createView(): View {
  const top = byId<HTMLOListElement>('top');
  const timing = byId('timing');
  const served = byId('served');
  const report = byId('report');
  const error = byId('error');
  const explanation = byId('explanation');
  const heatmap = byId<HTMLCanvasElement>('heatmap');
  const explainCost = byId('explain-cost');
  const explainMethod = byId('explain-method');
  byId('legend-bar').style.background = legendGradient(COLORMAP);
  return {
    explainToggle: byId<HTMLInputElement>('explain'),
    showExplanation(image, e) {
      const ctx = heatmap.getContext('2d');
      if (!ctx) return;
      const pixels = new ImageData(image.width, image.height);
      const channels = image.channels ?? image.data.length / (image.width * image.height);
      for (let p = 0; p < image.width * image.height; p++) {
        for (let c = 0; c < 3; c++) pixels.data[p * 4 + c] = image.data[p * channels + (channels >= 3 ? c : 0)]!;
        pixels.data[p * 4 + 3] = 255;
      }
      const source = document.createElement('canvas');
      source.width = image.width;
      source.height = image.height;
      source.getContext('2d')?.putImageData(pixels, 0, 0);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(source, 0, 0, heatmap.width, heatmap.height);
      drawHeatmapOnCanvas(ctx, e.attributions, { colormap: COLORMAP });
      const label = e.output.label ?? String(e.output.index);
      explanation.hidden = false;
      explanation.dataset.explained = label;
      explanation.dataset.method = e.method;
      heatmap.setAttribute('aria-label', `${e.method} heatmap of "${label}" over the drawing: red raised the score, blue lowered it`);
      explainMethod.textContent =
        e.method === 'occlusion' ? `occlusion: how covering each patch of the drawing moves the score of "${label}"` : `${e.method}: how each pixel moves the score of "${label}"`;
      explainCost.textContent = `${e.method} of "${label}": ${e.predictions} model evaluations, ${e.ms.toFixed(0)} ms`;
    },
    clearExplanation() {
      explanation.hidden = true;
      delete explanation.dataset.explained;
      delete explanation.dataset.method;
    },
    canvas: byId<HTMLCanvasElement>('pad'),
    clearButton: byId<HTMLButtonElement>('clear'),
    runtimeSelect: byId<HTMLSelectElement>('runtime'),
    showPrediction(result, ms) {
      top.replaceChildren(
        ...result.top.map((c) => {
          const li = document.createElement('li');
          li.dataset.label = c.label;
          li.dataset.score = String(c.score);
          const label = document.createElement('strong');
          label.textContent = c.label;
          const bar = document.createElement('div');
          bar.className = 'bar';
          const fill = document.createElement('span');
          fill.style.width = `${(c.score * 100).toFixed(1)}%`;
          bar.append(fill);
          const pct = document.createElement('span');
          pct.textContent = `${(c.score * 100).toFixed(1)}%`;
          li.append(label, bar, pct);
          return li;
        }),
      );
      timing.textContent = `${ms.toFixed(2)} ms per prediction`;
      timing.dataset.ms = String(ms);
    },
    clearPrediction() {
      top.replaceChildren();
      timing.textContent = '—';
      delete timing.dataset.ms;
    },
    showReport(r) {
      served.textContent = `${r.runtime} on ${r.device}${r.integrityChecked ? ' · sha256 checked' : ''}`;
      served.dataset.runtime = r.runtime;
      served.dataset.device = r.device;
      report.textContent = formatReport(r);
    },
    showLoading(what) {
      served.textContent = `loading ${what}…`;
      delete served.dataset.runtime;
      delete served.dataset.device;
      report.textContent = '';
    },
    showUnavailable(what) {
      served.textContent = `${what}: unavailable`;
      delete served.dataset.runtime;
      delete served.dataset.device;
      report.textContent = '';
    },
    showError(message) {
      error.hidden = message === undefined;
      error.textContent = message ?? '';
    },
  };
}
