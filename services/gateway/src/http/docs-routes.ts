import type { Express } from "express";
import { buildOpenApiDocument } from "./openapi.js";

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

type Operation = {
  summary?: string;
  description?: string;
  security?: unknown[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  parameters?: { name: string; in: string; description?: string }[];
  responses?: Record<string, { description?: string }>;
};

/** A readable reference page rendered from the OpenAPI document itself (no CDN, no scripts). */
export function renderDocsPage(document: ReturnType<typeof buildOpenApiDocument>["document"]): string {
  const sections: string[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const [method, raw] of Object.entries(item as Record<string, Operation>)) {
      const op = raw as Operation;
      const body = op.requestBody?.content?.["application/json"]?.schema;
      const params = (op.parameters ?? []).map(
        (p) => `<li><code>${escapeHtml(p.name)}</code> (${p.in}) ${escapeHtml(p.description ?? "")}</li>`,
      );
      const responses = Object.entries(op.responses ?? {}).map(
        ([status, r]) => `<li><code>${status}</code> ${escapeHtml(r.description ?? "")}</li>`,
      );
      sections.push(`<section>
<h3><span class="m ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>
<p>${escapeHtml(op.summary ?? "")}${op.security?.length ? ' <span class="auth">API key</span>' : ""}</p>
${op.description ? `<p>${escapeHtml(op.description)}</p>` : ""}
${params.length ? `<h4>Parameters</h4><ul>${params.join("")}</ul>` : ""}
${body ? `<h4>Request body</h4><pre>${escapeHtml(JSON.stringify(body, null, 2))}</pre>` : ""}
<h4>Responses</h4><ul>${responses.join("")}</ul>
</section>`);
    }
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(document.info.title)}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
section{border-top:1px solid #d0d7de;padding:.5rem 0}
.m{display:inline-block;min-width:3.5rem;text-align:center;border-radius:4px;color:#fff;font-size:.8rem;padding:.1rem .4rem}
.get{background:#1f6feb}.post{background:#2da44e}.patch{background:#bf8700}
.auth{background:#eaeef2;border-radius:4px;padding:0 .4rem;font-size:.8rem}
pre{background:#f6f8fa;padding:.75rem;overflow:auto;font-size:.8rem}
</style></head><body>
<h1>${escapeHtml(document.info.title)}</h1>
<p>${escapeHtml(document.info.description ?? "")} Machine-readable: <a href="/v1/openapi.json">/v1/openapi.json</a>.</p>
${sections.join("\n")}
</body></html>`;
}

export function mountDocsRoutes(app: Express): void {
  const { document } = buildOpenApiDocument();
  const page = renderDocsPage(document);
  app.get("/v1/openapi.json", (_req, res) => {
    res.json(document);
  });
  app.get("/docs", (_req, res) => {
    res.type("html").send(page);
  });
}
