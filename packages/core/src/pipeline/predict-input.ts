import type { Tensor } from '../tensor/tensor.js';
import type { ImageInput } from './image.js';

/** A typed array of any element type (rows of nested input may be typed arrays too). */
export type AnyTypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint8ClampedArray
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

/** One value of an input: a number, a bigint (int64), a boolean or a string (text inputs). */
export type InputScalar = number | bigint | boolean | string;

/**
 * Nested arrays of values, outermost dimension first: `number[]`, `number[][]`, rows as typed
 * arrays (`Float32Array[]`), and so on. Rows must be rectangular (checked at run time).
 */
export type NestedValues = readonly (InputScalar | AnyTypedArray | NestedValues)[];

/**
 * What one input of the model accepts: nested arrays, a flat or typed array, a {@link Tensor},
 * an {@link ImageInput} (one example) or an array of images (a batch).
 */
export type InputValue = NestedValues | AnyTypedArray | Tensor | ImageInput | readonly ImageInput[];

/**
 * Values keyed by input name, for models with several inputs (or to name the one input).
 * A name the model does not have is an `UNKNOWN_INPUT` error at run time.
 */
export interface InputRecord {
  readonly [input: string]: InputValue;
}

/**
 * What `predict` accepts: an {@link InputValue} for a model's one input (or the input the
 * manifest's `preprocessing.input` names), a single {@link InputScalar} for an input of shape
 * `[batch]`, or an {@link InputRecord} keyed by input name. Encoded images (PNG or JPEG bytes,
 * a `Blob`, a URL or a path) are decoded first with `decodeImage`.
 */
export type PredictInput = InputValue | InputScalar | InputRecord;
