import type { NextConfig } from "next";

// Served by the Handoff server's custom HTTP server (one origin): no API routes live here.
const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // HANDOFF_WEB_SOURCE_MAPS=1 at build: browser source maps, so a Chromium trace names our functions (bench/README.md).
  productionBrowserSourceMaps: process.env.HANDOFF_WEB_SOURCE_MAPS === "1",
  transpilePackages: ["@handoff/core", "@handoff/protocol", "@handoff/dag-code", "@handoff/examples"],
};

export default config;
