import { readFileSync } from 'node:fs';
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';

// index.html's <meta> is the one source of the Content-Security-Policy; `vite preview` (what `npm start`
// serves) also sends it as a header so the worker and the service worker run under the same policy.
const html = readFileSync(new URL('./index.html', import.meta.url), 'utf8');
const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
if (!csp) throw new Error('index.html lost its Content-Security-Policy meta tag');
const securityHeaders = {
  'Content-Security-Policy': csp,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

export default defineConfig({
  plugins: [
    svelte({ configFile: false }), // no svelte.config.js: Svelte 5 reads <script lang="ts"> natively
    VitePWA({
      registerType: 'autoUpdate',
      // An external registerSW.js rather than an inline script: script-src is 'self' only.
      injectRegister: 'script',
      includeAssets: ['icon.svg', 'icon-192.png', 'icon-512.png', 'sample/sample-image.tar'],
      manifest: {
        name: 'layerwright',
        short_name: 'layerwright',
        description: 'Open, inspect, verify, fix and build container images in your browser. Nothing is uploaded.',
        theme_color: '#1f6feb',
        background_color: '#0d1117',
        display: 'standalone',
        start_url: '.',
        icons: [
          { src: 'icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
        ],
      },
      workbox: {
        // Everything the app needs offline ("on a plane"): the shell, the worker chunks and the sample.
        globPatterns: ['**/*.{html,js,css,svg,png,webmanifest,tar}'],
        maximumFileSizeToCacheInBytes: 8 * 1024 * 1024,
        navigateFallback: 'index.html',
        // Nothing remote is ever fetched, so nothing is cached at run time.
        runtimeCaching: [],
        cleanupOutdatedCaches: true,
      },
    }),
  ],
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true },
  server: { headers: { 'X-Content-Type-Options': 'nosniff' } },
  preview: { headers: securityHeaders },
});
