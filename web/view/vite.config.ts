/**
 * The viewer's front end: one classic script (IIFE) and one stylesheet in dist/web/view/, so the same
 * files load from the server and from file:// (browsers refuse module scripts there). JSX goes through
 * Vite's own transformer (no plugin); nothing is fetched at run time.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  logLevel: 'warn',
  publicDir: false,
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  mode: 'production',
  oxc: { jsx: { runtime: 'automatic', development: false } },
  build: {
    outDir: fileURLToPath(new URL('../../dist/web/view/', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    cssCodeSplit: false,
    sourcemap: false,
    lib: {
      entry: fileURLToPath(new URL('./src/main.tsx', import.meta.url)),
      formats: ['iife'],
      name: 'TenetView',
      fileName: () => 'app.js',
      cssFileName: 'app',
    },
  },
});
