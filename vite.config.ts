import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The web UI (src/adapters/http/ui/web) is built into dist/ui by `npm run build`; the server
 * serves that folder at `/` (src/adapters/http/ui/ui-routes.ts). Asset URLs are relative, so the
 * UI also works behind a proxy that mounts the server under a sub-path.
 */
export default defineConfig({
  root: fileURLToPath(new URL('./src/adapters/http/ui/web/', import.meta.url)),
  base: './',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  // `npx vite`: the UI with hot reload, its API calls sent to a running server (FATHOM_URL).
  server: { proxy: { '/api': process.env.FATHOM_URL ?? 'http://127.0.0.1:5000', '/docs': process.env.FATHOM_URL ?? 'http://127.0.0.1:5000' } },
  build: {
    outDir: fileURLToPath(new URL('./dist/ui/', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
    chunkSizeWarningLimit: 400,
  },
});
