// Serves the built app (dist/) on http://127.0.0.1:4173/ with COOP/COEP headers.
import { fileURLToPath } from 'node:url';
import { serveStatic } from './static-server.mjs';

const root = fileURLToPath(new URL('../dist/', import.meta.url));
const { url } = await serveStatic(root, { port: Number(process.env.PORT ?? 4173) });
console.log(`browser app: ${url}`);
