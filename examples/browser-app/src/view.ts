import { formatReport, type Classification, type ModelReport } from '@servable/core';

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
  return {
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
