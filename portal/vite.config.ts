import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

const portalDir = fileURLToPath(new URL('.', import.meta.url));

// The SDK is used from source: the portal bundles exactly the operations and client this checkout has.
export default defineConfig({
  root: portalDir,
  plugins: [vue()],
  resolve: {
    alias: { '@lixiao/sdk': fileURLToPath(new URL('../sdk/src/index.ts', import.meta.url)) },
  },
  define: {
    __VUE_OPTIONS_API__: 'false',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: true,
    // ECharts (~170 KB gzip) is one lazy chunk that only the dashboard's charts load.
    chunkSizeWarningLimit: 600,
  },
  server: { host: '127.0.0.1', port: Number(process.env.PORTAL_PORT ?? 5173), strictPort: true },
});
