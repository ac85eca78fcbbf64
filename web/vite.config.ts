import { resolve } from "node:path";
import { defineConfig } from "vitest/config";

// Two pages share one hashed /assets folder: the public app (index.html, also served for /s/*) and the admin
// console (admin/index.html, served by the app servers behind sign-in; its JS and CSS come from /assets like the rest).
export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2022",
    // No source maps in the artifact: they would be public on CloudFront.
    sourcemap: false,
    // Everything is small; inlining would put data: URLs into CSS/JS for no gain.
    assetsInlineLimit: 0,
    rollupOptions: {
      input: {
        main: resolve(import.meta.dirname, "index.html"),
        admin: resolve(import.meta.dirname, "admin/index.html"),
      },
      output: {
        // The code and stylesheet both pages share get plain names instead of a module's name.
        chunkFileNames: "assets/shared-[hash].js",
        assetFileNames: (asset) => (asset.names.some((n) => n.endsWith(".css")) ? "assets/styles-[hash][extname]" : "assets/[name]-[hash][extname]"),
      },
    },
  },
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
  },
});
