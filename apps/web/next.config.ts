import type { NextConfig } from "next";

// Served by the Handoff server's custom HTTP server (one origin): no API routes live here.
const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  transpilePackages: ["@handoff/core", "@handoff/protocol", "@handoff/dag-code", "@handoff/examples"],
};

export default config;
