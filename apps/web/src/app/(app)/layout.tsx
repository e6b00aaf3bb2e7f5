import type { ReactNode } from "react";
import { AppNav } from "../../features/shell/app-nav.tsx";

export default function AppLayout({ children }: { children: ReactNode }) {
  return (
    <div className="shell">
      <AppNav />
      <main className="shell-main">{children}</main>
    </div>
  );
}
