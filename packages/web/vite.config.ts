// Builds the dashboard (app/) to dist/app, which the collector serves at `/`.
// Everything is bundled: no CDN, no web font, nothing fetched from another origin.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'app',
  base: '/',
  plugins: [react()],
  build: {
    outDir: '../dist/app',
    emptyOutDir: true,
    // The preload polyfill is an inline script, which script-src 'self' would block.
    modulePreload: { polyfill: false },
    // A data: URI for a small asset would need img-src data:; keep every asset a file.
    assetsInlineLimit: 0,
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
});
