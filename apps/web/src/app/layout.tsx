import type { Metadata } from "next";
import type { ReactNode } from "react";
import "@xyflow/react/dist/style.css";
import "./globals.css";
import { Providers } from "./providers.tsx";

// Every page is rendered per request: the server's Content-Security-Policy carries a fresh nonce that Next
// puts on its inline scripts, and a prerendered page would carry none.
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: "Handoff",
  description: "Design DAGs of functions and run them across a cluster of machines.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
