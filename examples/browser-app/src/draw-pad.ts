/** A canvas to draw on with a pointer: white strokes on black, as MNIST digits are. */
export interface DrawPad {
  /** The drawing as a 28 × 28 RGBA image (the browser averages the pixels down). */
  snapshot(): ImageData;
  /** Whether anything has been drawn since the last clear. */
  readonly empty: boolean;
  /** Clears the drawing. */
  clear(): void;
}

/** Brush width in canvas pixels: about two MNIST pixels on a 280-pixel canvas. */
const BRUSH = 22;

/**
 * Name of the event dispatched on the canvas after something was drawn on it. Code that paints
 * onto the canvas itself (an image drop, a test) dispatches it too, so the app predicts.
 */
export const DRAWN_EVENT = 'drawn';

/**
 * Makes `canvas` drawable and calls `onChange` after every stroke segment.
 * @param canvas - the visible canvas (any size; 280 × 280 maps 10:1 onto MNIST's 28 × 28)
 * @param onChange - called when the drawing changes
 */
export function createDrawPad(canvas: HTMLCanvasElement, onChange: () => void): DrawPad {
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('drawing pad: expected a 2D canvas context, got none — this browser cannot draw on canvas');
  const small = document.createElement('canvas');
  small.width = 28;
  small.height = 28;
  const smallCtx = small.getContext('2d', { willReadFrequently: true })!;
  let empty = true;
  let last: { x: number; y: number } | undefined;

  const clear = () => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    empty = true;
  };
  const point = (e: PointerEvent) => {
    const r = canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * canvas.width) / r.width, y: ((e.clientY - r.top) * canvas.height) / r.height };
  };
  const segment = (to: { x: number; y: number }) => {
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = BRUSH;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo((last ?? to).x, (last ?? to).y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
    last = to;
    canvas.dispatchEvent(new Event(DRAWN_EVENT));
  };

  canvas.addEventListener(DRAWN_EVENT, () => {
    empty = false;
    onChange();
  });

  canvas.addEventListener('pointerdown', (e) => {
    canvas.setPointerCapture(e.pointerId);
    last = undefined;
    segment(point(e));
  });
  canvas.addEventListener('pointermove', (e) => {
    if (e.buttons & 1) segment(point(e));
  });
  canvas.addEventListener('pointerup', () => {
    last = undefined;
  });
  clear();

  return {
    snapshot() {
      smallCtx.imageSmoothingEnabled = true;
      smallCtx.imageSmoothingQuality = 'high';
      smallCtx.clearRect(0, 0, 28, 28);
      smallCtx.drawImage(canvas, 0, 0, 28, 28);
      return smallCtx.getImageData(0, 0, 28, 28);
    },
    get empty() {
      return empty;
    },
    clear,
  };
}
