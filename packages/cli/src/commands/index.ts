import type { CommandSpec } from '../cli/command.js';
import { benchCommand } from './bench.js';
import { doctorCommand } from './doctor.js';
import { encryptCommand } from './encrypt.js';
import { inspectCommand } from './inspect.js';
import { keygenCommand } from './keygen.js';
import { predictCommand } from './predict.js';
import { serveCommand } from './serve.js';
import { trainCommand } from './train.js';

/** Every `servable` command, in the order `--help` lists them. */
export const COMMANDS: readonly CommandSpec[] = [serveCommand, predictCommand, trainCommand, inspectCommand, keygenCommand, encryptCommand, benchCommand, doctorCommand];
