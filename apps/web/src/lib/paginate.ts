/** One page of `items` (1-based, clamped to the pages there are) and how many pages there are. */
export function paginate<T>(items: readonly T[], page: number, pageSize: number): { items: readonly T[]; page: number; pageCount: number } {
  const pageCount = Math.max(1, Math.ceil(items.length / pageSize));
  const current = Math.min(Math.max(1, Math.floor(page)), pageCount);
  return { items: items.slice((current - 1) * pageSize, current * pageSize), page: current, pageCount };
}
