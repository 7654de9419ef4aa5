import type { MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { ScrollTable } from "~/components/ScrollTable";
import { TYPE_OF } from "~/http/api/core.server";
import { apiDocument, PROBLEM_MEANINGS } from "~/http/api/handle.server";

/**
 * The API's reference for people: the OpenAPI document (/api/v1/openapi.json) laid out as a page.
 * It reads the generated document, so it shows exactly what the API does (docs/decisions/024-api-shape.md).
 * Public, like the document: it describes the API and holds no data.
 */
export const meta: MetaFunction = () => [{ title: "API reference — Baseline" }];

type Schema = {
  type?: string | string[];
  $ref?: string;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  anyOf?: Schema[];
};
type Operation = {
  operationId: string;
  summary: string;
  description: string;
  parameters: { name: string; in: string; required: boolean; description?: string; schema: Schema }[];
  requestBody?: { description?: string; content: Record<string, { schema: Schema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
};
type Doc = { info: { title: string; description: string; version: string }; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };

export async function loader() {
  return {
    doc: apiDocument() as unknown as Doc,
    problems: Object.entries(TYPE_OF).map(([status, slug]) => ({ status, slug, meaning: PROBLEM_MEANINGS[Number(status)] ?? "" })),
  };
}

const refName = (ref: string) => ref.split("/").pop()!;

function TypeOf({ s }: { s: Schema }) {
  if (s.$ref) return <a href={`#schema-${refName(s.$ref)}`}>{refName(s.$ref)}</a>;
  if (s.enum) return <code>{s.enum.map((v) => JSON.stringify(v)).join(" | ")}</code>;
  if (s.anyOf) return <>{s.anyOf.map((x, i) => <span key={i}>{i ? " or " : ""}<TypeOf s={x} /></span>)}</>;
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : ["any"];
  return (
    <>
      {types.map((t, i) => (
        <span key={t}>
          {i ? " or " : ""}
          {t === "array" && s.items ? (
            <>
              array of <TypeOf s={s.items} />
            </>
          ) : (
            <code>{t}</code>
          )}
        </span>
      ))}
    </>
  );
}

function limits(s: Schema): string {
  const parts: string[] = [];
  if (s.minimum !== undefined && s.minimum > -1e15) parts.push(`from ${s.minimum}`);
  if (s.maximum !== undefined && s.maximum < 1e15) parts.push(`to ${s.maximum}`);
  if (s.default !== undefined) parts.push(`default ${JSON.stringify(s.default)}`);
  return parts.join(", ");
}

export default function ApiReference() {
  const { doc, problems } = useLoaderData<typeof loader>();
  const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method: method.toUpperCase(), op })));
  return (
    <>
      <h1>
        {doc.info.title} <span className="muted">v{doc.info.version}</span>
      </h1>
      <p>{doc.info.description}</p>
      <p>
        The machine-readable description is <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1). Create a token on{" "}
        <Link to="/account#api-tokens">your account page</Link>.
      </p>
      <nav aria-label="Endpoints">
        <ul>
          {operations.map(({ path, method, op }) => (
            <li key={op.operationId}>
              <a href={`#${op.operationId}`}>
                <code>
                  {method} {path}
                </code>
              </a>{" "}
              — {op.summary}
            </li>
          ))}
        </ul>
      </nav>
      {operations.map(({ path, method, op }) => (
        <section key={op.operationId} id={op.operationId} className="panel" style={{ marginTop: 20 }}>
          <h2>
            <code>
              {method} {path}
            </code>
          </h2>
          <p>{op.summary}</p>
          <p className="muted">{op.description}</p>
          {op.parameters.length ? (
            <ScrollTable>
              <caption>Parameters</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">In</th>
                  <th scope="col">Type</th>
                  <th scope="col">Meaning</th>
                </tr>
              </thead>
              <tbody>
                {op.parameters.map((p) => (
                  <tr key={p.name}>
                    <td>
                      <code>{p.name}</code>
                      {p.required ? " (required)" : ""}
                    </td>
                    <td>{p.in}</td>
                    <td>
                      <TypeOf s={p.schema} /> {limits(p.schema)}
                    </td>
                    <td>{p.description ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </ScrollTable>
          ) : null}
          {op.requestBody ? (
            <p>
              Body: {op.requestBody.description}{" "}
              {Object.entries(op.requestBody.content).map(([type, c]) => (
                <span key={type}>
                  <code>{type}</code>
                  {c.schema.$ref ? (
                    <>
                      {" "}
                      (<TypeOf s={c.schema} />)
                    </>
                  ) : null}{" "}
                </span>
              ))}
            </p>
          ) : null}
          <ul>
            {Object.entries(op.responses).map(([status, r]) => (
              <li key={status}>
                <strong>{status}</strong> {r.description}
                {r.content
                  ? Object.entries(r.content).map(([type, c]) => (
                      <span key={type}>
                        {" "}
                        — <code>{type}</code> <TypeOf s={c.schema} />
                      </span>
                    ))
                  : null}
              </li>
            ))}
          </ul>
        </section>
      ))}
      <h2 style={{ marginTop: 28 }}>Problems</h2>
      <p>
        Every error is <code>application/problem+json</code> (RFC 9457); its <code>type</code> links here.
      </p>
      <dl>
        {problems.map((p) => (
          <div key={p.slug} id={`problem-${p.slug}`}>
            <dt>
              <code>{p.slug}</code> ({p.status})
            </dt>
            <dd>{p.meaning}</dd>
          </div>
        ))}
      </dl>
      <h2 style={{ marginTop: 28 }}>Schemas</h2>
      {Object.entries(doc.components.schemas).map(([name, s]) => (
        <section key={name} id={`schema-${name}`} className="panel" style={{ marginTop: 12 }}>
          <h3>{name}</h3>
          {s.description ? <p>{s.description}</p> : null}
          {s.properties ? (
            <ScrollTable>
              <thead>
                <tr>
                  <th scope="col">Field</th>
                  <th scope="col">Type</th>
                  <th scope="col">Meaning</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(s.properties).map(([field, f]) => (
                  <tr key={field}>
                    <td>
                      <code>{field}</code>
                      {s.required?.includes(field) ? "" : " (optional)"}
                    </td>
                    <td>
                      <TypeOf s={f} />
                    </td>
                    <td>{f.description ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </ScrollTable>
          ) : null}
        </section>
      ))}
    </>
  );
}
