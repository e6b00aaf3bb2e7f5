"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../../lib/trpc/trpc.ts";

const LINKS = [
  { href: "/editor", label: "Editor", isAdminOnly: false },
  { href: "/runs", label: "Runs", isAdminOnly: false },
  { href: "/triggers", label: "Triggers", isAdminOnly: false },
  { href: "/cluster", label: "Cluster", isAdminOnly: false },
  { href: "/tokens", label: "Tokens", isAdminOnly: false },
  { href: "/secrets", label: "Secrets", isAdminOnly: true },
  { href: "/audit", label: "Audit", isAdminOnly: true },
] as const;

async function signOut(): Promise<void> {
  await fetch("/api/auth/logout", { method: "POST", credentials: "same-origin" }).catch(() => undefined);
  window.location.assign("/login");
}

export function AppNav() {
  const pathname = usePathname();
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions());
  return (
    <header className="nav">
      <Link href="/editor" className="nav-brand">
        Handoff
      </Link>
      <nav className="nav-links" aria-label="Main">
        {LINKS.filter((link) => !link.isAdminOnly || me.data?.kind === "admin").map((link) => (
          <Link key={link.href} href={link.href} className={pathname.startsWith(link.href) ? "nav-link active" : "nav-link"}>
            {link.label}
          </Link>
        ))}
      </nav>
      <div className="nav-user">
        {me.data !== undefined && (
          <span className="muted" title={`token ${me.data.tokenId}`}>
            {me.data.name} · {me.data.kind}
          </span>
        )}
        <button type="button" className="btn btn-ghost" onClick={() => void signOut()}>
          Sign out
        </button>
      </div>
    </header>
  );
}
