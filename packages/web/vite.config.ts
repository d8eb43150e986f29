import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/**
 * The web app is built into dist/ and served by the Hallway server at `/`. In development,
 * `npm run dev -w @hallway/web` serves it with hot reload and forwards the API and the
 * WebSocket to a server on port 3000 (`npm start`).
 */
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", sourcemap: true },
  server: {
    proxy: {
      "/api": "http://localhost:3000",
      "/ws": { target: "ws://localhost:3000", ws: true },
    },
  },
});
