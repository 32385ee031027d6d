import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The Studio is built into the ASP.NET host's static files: the host serves them at "/" and falls back to
// index.html. API calls are relative ("/api/v1/...", "/health/..."), so in `npm run dev` they are proxied to a
// host running locally on port 5080.
const host = 'http://127.0.0.1:5080';

export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: '../AgentRuntime.Host/wwwroot',
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    proxy: {
      '/api': { target: host, changeOrigin: false },
      '/health': { target: host, changeOrigin: false },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
