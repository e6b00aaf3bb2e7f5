import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";

interface DocumentView {
  readonly info: { readonly title: string; readonly version: string; readonly description?: string };
  readonly paths: Record<string, Record<string, { operationId: string; summary: string; parameters?: { name: string; in: string; required: boolean; schema: unknown }[]; requestBody?: { content: Record<string, { schema: unknown }> }; responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
}

/** The docs page's policy: no script at all, its one style element by nonce. */
export function docsPageCsp(nonce: string): string {
  return `default-src 'none'; style-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
}

/**
 * A page listing every REST operation with its parameters, body and answer schemas, rendered here from the OpenAPI
 * document: no script and nothing from another origin, so the strict CSP holds (`/api/openapi.json` is the document
 * itself, for any OpenAPI viewer or generator).
 */
export function apiDocsPage(response: ServerResponse, document: DocumentView): void {
  const nonce = randomBytes(16).toString("base64");
  const operations = Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ path, method, operation })));
  const sections = operations.map(({ path, method, operation }) => {
    const parameters = (operation.parameters ?? []).map((p) => `<li><code>${escape(p.name)}</code> (${p.in}${p.required ? ", required" : ""}) ${schemaBlock(p.schema)}</li>`).join("");
    const body = operation.requestBody?.content["application/json"]?.schema;
    const answer = operation.responses["200"]?.content?.["application/json"]?.schema;
    return `<section id="${escape(operation.operationId)}"><h2><span class="m ${method}">${method.toUpperCase()}</span> <code>${escape(path)}</code></h2>
<p>${escape(operation.summary)} — <code>${escape(operation.operationId)}</code></p>
${parameters ? `<h3>Parameters</h3><ul>${parameters}</ul>` : ""}
${body === undefined ? "" : `<h3>Body (JSON)</h3>${schemaBlock(body)}`}
${answer === undefined ? "" : `<h3>Answer (200)</h3>${schemaBlock(answer)}`}</section>`;
  });
  const index = operations.map(({ path, method, operation }) => `<li><a href="#${escape(operation.operationId)}">${method.toUpperCase()} ${escape(path)}</a></li>`).join("");
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(document.info.title)}</title>
<style nonce="${nonce}">body{font:14px/1.5 system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}code,pre{font:12px/1.4 ui-monospace,monospace}pre{background:#f4f5f7;padding:.5rem;overflow:auto;max-height:24rem}section{border-top:1px solid #ddd;padding-top:.5rem}.m{display:inline-block;min-width:4.5rem;font-size:12px;color:#fff;background:#555;border-radius:3px;text-align:center}.get{background:#2563eb}.post{background:#16a34a}.put{background:#ca8a04}.delete{background:#dc2626}details summary{cursor:pointer}</style>
</head><body><h1>${escape(document.info.title)} <small>${escape(document.info.version)}</small></h1>
<p>${escape(document.info.description ?? "")}</p><p>The OpenAPI 3.1 document: <a href="/api/openapi.json">/api/openapi.json</a>.</p>
<ul>${index}</ul>${sections.join("\n")}</body></html>`;
  response.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Content-Length": Buffer.byteLength(html), "Content-Security-Policy": docsPageCsp(nonce), "Cache-Control": "no-store" });
  response.end(html);
}

function schemaBlock(schema: unknown): string {
  return `<details><summary>schema</summary><pre>${escape(JSON.stringify(schema, null, 2))}</pre></details>`;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
