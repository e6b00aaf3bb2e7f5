"use client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import type { AppRouter } from "./app-router.ts";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();
