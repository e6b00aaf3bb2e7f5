import { Dag, currentTask, defineFunction, defineFunctions, edge } from "@handoff/sdk";

/** A tiny text pipeline: the same module serves `npm start` in-process and agents on machines. */
export const tokenize = defineFunction({
  name: "text.tokenize",
  description: "Splits a text into lower-case words",
  defaultCost: { cpu: 1 },
  run: (text: string) => text.toLowerCase().split(/[^a-z]+/u).filter(Boolean),
});

export const countWords = defineFunction({
  name: "text.count",
  description: "Counts occurrences of each word",
  run: (words: string[]) => {
    const counts: Record<string, number> = {};
    for (const word of words) counts[word] = (counts[word] ?? 0) + 1;
    currentTask().log.info(`counted ${words.length} words`);
    return counts;
  },
});

export const top = defineFunction({
  name: "text.top",
  description: "The n most frequent words across all counts",
  run: (all: Record<string, number>[], n: number) => {
    const merged: Record<string, number> = {};
    for (const counts of all) for (const [word, count] of Object.entries(counts)) merged[word] = (merged[word] ?? 0) + count;
    return Object.entries(merged)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, n);
  },
});

export const functions = defineFunctions(tokenize, countWords, top);

export function wordCountDag(texts: readonly string[]): Dag {
  const dag = new Dag("word-count", { description: "Counts words in several texts and keeps the top five" });
  texts.forEach((text, index) => {
    dag.addTask({ id: `text${index}`, fn: "std.constant", extraArgs: [text] });
    dag.addTask({ id: `words${index}`, fn: "text.tokenize", args: [`text${index}`], type: "inline" });
    dag.addTask({ id: `count${index}`, fn: "text.count", args: [`words${index}`] });
  });
  dag.addTask({
    id: "top",
    fn: "text.top",
    args: texts.map((_, index) => edge(`count${index}`)),
    argumentInclusion: "as_list",
    extraArgs: [5],
  });
  return dag;
}
