/** A plain aligned text table. A cell may hold several lines (`\n`); its row grows to fit them. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const split = rows.map((row) => headers.map((_, i) => (row[i] ?? "").split("\n")));
  const widths = headers.map((header, i) => Math.max(header.length, ...split.flatMap((row) => row[i]!.map((line) => line.length))));
  const line = (cells: readonly string[]): string => cells.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd();
  const body = split.flatMap((cells) => {
    const height = Math.max(1, ...cells.map((lines) => lines.length));
    return Array.from({ length: height }, (_, k) => line(cells.map((lines) => lines[k] ?? "")));
  });
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...body].join("\n");
}

/**
 * Wraps text into lines of at most `width` characters, at spaces when it can; nothing is ever dropped.
 * @example wrapText("retry in 4 s", 8) // "retry in\n4 s"
 */
export function wrapText(text: string, width: number): string {
  const out: string[] = [];
  for (const paragraph of text.split("\n")) {
    let rest = paragraph;
    while (rest.length > width) {
      const space = rest.lastIndexOf(" ", width);
      const cut = space > 0 ? space : width;
      out.push(rest.slice(0, cut).trimEnd());
      rest = rest.slice(space > 0 ? cut + 1 : cut);
    }
    out.push(rest);
  }
  return out.join("\n");
}
