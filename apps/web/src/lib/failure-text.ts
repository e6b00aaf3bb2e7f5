/**
 * A failure as one line, `kind: message`, with the kind said once: a message that already starts with its
 * kind (`cancelled: task …`, even twice over) is not prefixed again.
 * @example failureText("cancelled", "cancelled: task \"b\" stopped") // "cancelled: task \"b\" stopped"
 */
export function failureText(kind: string, message: string): string {
  const prefix = `${kind}: `;
  let rest = message.trim();
  while (rest.toLowerCase().startsWith(prefix.toLowerCase())) rest = rest.slice(prefix.length).trimStart();
  return rest === "" ? kind : `${kind}: ${rest}`;
}
