"use client";
import { useEffect, useState } from "react";

/** The current time, refreshed every `intervalMs` while `isActive` (for elapsed-time displays). */
export function useNow(intervalMs: number, isActive: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!isActive) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs, isActive]);
  return now;
}
