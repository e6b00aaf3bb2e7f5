/** Where a block of the body goes: `bytes` start at `position` in the body (the consumer writes them to its file). */
export type WriteBlock = (bytes: Uint8Array, position: number) => Promise<void>;

/**
 * The block a value on disk moves in, on both sides: the holder reads its file into two of them (`send-file.ts`), the
 * consumer receives into a few (here), reused, so a value larger than memory costs no allocations.
 */
export const BLOCK_BYTES = 4 * 2 ** 20;
const BLOCKS = 4;

/**
 * A body of `size` bytes received into a ring of reused blocks, each handed to `write` once full (or the body ends):
 * the socket reads straight into the current block, and nothing is copied or allocated per read. While every block
 * is being written, `hasRoom()` is false: the reader pauses until `onRoom` is called.
 */
export type BlockRing = {
  /** Where the next read goes (at most the body's remaining bytes); undefined while every block is being written. */
  nextBuffer(): Uint8Array | undefined;
  /** `bytes` were read into the buffer `nextBuffer` gave (or elsewhere: then they are copied in). */
  accept(bytes: Uint8Array): void;
  hasRoom(): boolean;
  /** Every block written: resolves once the whole body is written, rejects with the first write's failure. */
  readonly done: Promise<void>;
  /** Stops handing out blocks; `done` settles once the writes already started have ended. */
  fail(error: Error): void;
};

export function createBlockRing(size: number, write: WriteBlock, onRoom: () => void): BlockRing {
  const blockBytes = Math.max(1, Math.min(BLOCK_BYTES, size));
  const free: Uint8Array[] = Array.from({ length: size <= blockBytes ? 1 : BLOCKS }, () => new Uint8Array(blockBytes));
  let current: Uint8Array | undefined = free.pop();
  let filled = 0; // bytes in `current`
  let position = 0; // where `current` starts in the body
  let writing = 0;
  let failure: Error | undefined;
  let settle: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  done.catch(() => undefined); // the caller awaits it; an early failure must not go unhandled meanwhile

  const finishIfDone = (): void => {
    if (writing > 0) return;
    if (failure !== undefined) settle!.reject(failure);
    else if (position === size) settle!.resolve();
  };

  const flush = (): void => {
    const block = current!;
    const at = position;
    writing += 1;
    position += filled;
    current = free.pop();
    const length = filled;
    filled = 0;
    write(block.subarray(0, length), at).then(
      () => {
        writing -= 1;
        if (failure === undefined) {
          const hadRoom = current !== undefined;
          if (hadRoom) free.push(block);
          else current = block;
          if (!hadRoom && position < size) onRoom();
        }
        finishIfDone();
      },
      (error: unknown) => {
        writing -= 1;
        failure ??= error instanceof Error ? error : new Error(String(error));
        finishIfDone();
      },
    );
  };

  if (size === 0) settle!.resolve();
  return {
    nextBuffer() {
      if (current === undefined || failure !== undefined) return undefined;
      const left = size - position - filled;
      return current.subarray(filled, filled + Math.max(1, Math.min(left, current.byteLength - filled)));
    },
    accept(bytes) {
      let offset = 0;
      while (offset < bytes.byteLength) {
        // After a failed write, bytes still in flight fail with that write's error (the one the caller must see).
        if (failure !== undefined) throw failure;
        if (current === undefined) throw new Error("a body block arrived with no room to receive it");
        const take = Math.min(bytes.byteLength - offset, current.byteLength - filled);
        // Bytes the socket read straight into the block are already in place; anything else is copied in.
        const isInPlace = bytes.buffer === current.buffer && bytes.byteOffset + offset === current.byteOffset + filled;
        if (!isInPlace) current.set(bytes.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled === current.byteLength || position + filled === size) flush();
      }
    },
    hasRoom: () => current !== undefined,
    done,
    fail(error) {
      failure ??= error;
      finishIfDone();
    },
  };
}
