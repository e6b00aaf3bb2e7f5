"use client";
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import { useState, type ReactNode } from "react";
import { createApiClient } from "../lib/trpc/create-api-client.ts";
import { TRPCProvider } from "../lib/trpc/trpc.ts";

function redirectWhenSignedOut(error: unknown): void {
  if (!(error instanceof TRPCClientError)) return;
  const code = (error.data as { code?: unknown } | undefined)?.code;
  if (code !== "UNAUTHORIZED" || typeof window === "undefined" || window.location.pathname === "/login") return;
  const next = window.location.pathname + window.location.search;
  window.location.assign(`/login?next=${encodeURIComponent(next)}`);
}

function makeQueryClient(): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({ onError: redirectWhenSignedOut }),
    mutationCache: new MutationCache({ onError: redirectWhenSignedOut }),
    defaultOptions: {
      queries: {
        staleTime: 2_000,
        refetchOnWindowFocus: false,
        retry: (count, error) => {
          const code = error instanceof TRPCClientError ? (error.data as { code?: unknown } | undefined)?.code : undefined;
          return code !== "UNAUTHORIZED" && code !== "FORBIDDEN" && code !== "BAD_REQUEST" && code !== "NOT_FOUND" && count < 2;
        },
      },
    },
  });
}

export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(createApiClient);
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
