import { processIo } from './cli/cli-io.js';
import { main } from './cli/main.js';

const code = await main(process.argv.slice(2), processIo());
process.exitCode = code;
