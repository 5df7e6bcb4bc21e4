import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The dashboard (docs/dashboard.md): built into dist/web, served by the service at `/`. Everything is bundled; nothing
// is fetched from the internet at run time. `npm run dev:web` proxies the API to a service on :8080.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: Object.fromEntries(['/margins', '/market', '/models', '/accounts', '/lab', '/healthz', '/events'].map((p) => [p, 'http://127.0.0.1:8080'])),
  },
});
