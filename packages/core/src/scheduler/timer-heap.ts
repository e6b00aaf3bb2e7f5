/** A binary min-heap of timers ordered by time, then insertion order (deterministic). */
export interface Timer<T> {
  readonly at: number;
  readonly seq: number;
  readonly item: T;
}

export class TimerHeap<T> {
  private readonly heap: Timer<T>[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  peek(): Timer<T> | undefined {
    return this.heap[0];
  }

  push(at: number, item: T): void {
    this.heap.push({ at, seq: this.nextSeq++, item });
    this.up(this.heap.length - 1);
  }

  /** Removes and returns every timer due at or before `now`, earliest first. */
  popDue(now: number): T[] {
    const due: T[] = [];
    while (this.heap.length > 0 && this.heap[0]!.at <= now) due.push(this.pop()!.item);
    return due;
  }

  private pop(): Timer<T> | undefined {
    const top = this.heap[0];
    const last = this.heap.pop();
    if (this.heap.length > 0 && last) {
      this.heap[0] = last;
      this.down(0);
    }
    return top;
  }

  private less(a: number, b: number): boolean {
    const x = this.heap[a]!;
    const y = this.heap[b]!;
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }

  private swap(a: number, b: number): void {
    const tmp = this.heap[a]!;
    this.heap[a] = this.heap[b]!;
    this.heap[b] = tmp;
  }

  private up(index: number): void {
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(index: number): void {
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < this.heap.length && this.less(left, smallest)) smallest = left;
      if (right < this.heap.length && this.less(right, smallest)) smallest = right;
      if (smallest === i) return;
      this.swap(i, smallest);
      i = smallest;
    }
  }
}
