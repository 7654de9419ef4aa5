import { Form, Link } from "@remix-run/react";
import { ScrollTable } from "./ScrollTable";
import { formatAuditTime as when } from "../domain/audit-diff";

/**
 * A user's API tokens (docs/decisions/023-api-tokens.md): the list with revoke buttons, the form for a
 * new one, and the new token itself, shown once. On the account page (one's own) and an administrator's
 * user page; both post the intents `token-create` and `token-revoke` (app/http/api-token-forms.server.ts).
 */
export interface TokenRow {
  id: number;
  name: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface CreatedToken {
  token: string;
  name: string;
  expiresAt: string;
}

export function ApiTokensPanel({ tokens, created, error, now, whose }: { tokens: TokenRow[]; created?: CreatedToken; error?: string; now: string; whose: string }) {
  return (
    <section className="panel" aria-labelledby="api-tokens" style={{ marginTop: 20 }}>
      <h2 id="api-tokens">API tokens</h2>
      <p>
        A token lets another system (a state financial system, a script) use the <Link to="/api/v1/docs">Baseline API</Link> as {whose}: it sees
        and changes exactly what that account may, and its changes are in the audit log under the account, marked as API. It is shown once; keep
        it in that system's secret store, and revoke it when it is no longer needed.
      </p>
      {created ? (
        <div className="notice" role="status">
          <p>
            Token “{created.name}” created; it works until {when(created.expiresAt)}. Copy it now: it is not shown again.
          </p>
          <input aria-label="The new API token" type="text" readOnly value={created.token} size={60} />
        </div>
      ) : null}
      {error ? (
        <p className="notice error" role="alert">
          {error}
        </p>
      ) : null}
      {tokens.length ? (
        <ScrollTable>
          <caption>
            {tokens.length} token{tokens.length === 1 ? "" : "s"}
          </caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">Revoke</th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.id}>
                <td>{t.name}</td>
                <td>{when(t.createdAt)}</td>
                <td>{when(t.expiresAt)}</td>
                <td>{t.lastUsedAt ? when(t.lastUsedAt) : "never"}</td>
                <td>
                  {t.revokedAt ? (
                    <span className="muted">revoked {when(t.revokedAt)}</span>
                  ) : t.expiresAt <= now ? (
                    <span className="muted">expired</span>
                  ) : (
                    <Form method="post">
                      <input type="hidden" name="token" value={t.id} />
                      <button type="submit" name="intent" value="token-revoke" className="secondary">
                        Revoke
                      </button>
                    </Form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      ) : (
        <p className="muted">No API tokens.</p>
      )}
      <Form method="post" className="actions">
        <p>
          <label htmlFor="token-name">Name (what it is for)</label>
          <br />
          <input id="token-name" name="name" required maxLength={80} placeholder="State financial system" />
        </p>
        <p>
          <label htmlFor="token-expires">Last day it works (at most a year; 90 days if left empty)</label>
          <br />
          <input id="token-expires" name="expires" type="date" />
        </p>
        <button type="submit" name="intent" value="token-create">
          Create a token
        </button>
      </Form>
    </section>
  );
}
