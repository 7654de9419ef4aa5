import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import {
  Form,
  isRouteErrorResponse,
  Links,
  Meta,
  NavLink,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLoaderData,
  useLocation,
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import { currentUser } from "./auth/guard.server";
import { ROLE_LABELS, type Principal } from "./domain/permissions";
import { useNonce } from "./components/nonce";
import { getDb } from "./db.server";
import { isDemoLoaded } from "./models/settings.server";
import stylesHref from "./styles/app.css";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: stylesHref },
  // Without an icon link every browser asks for /favicon.ico and logs a 404.
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export const meta: MetaFunction = () => [{ title: "Baseline — fusion center grants and capabilities" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await currentUser(request);
  return {
    user,
    demo: await isDemoLoaded(getDb()),
    requestId: (context as { requestId?: string })?.requestId ?? null,
  };
}

type RootData = Awaited<ReturnType<typeof loader>>;

/** Navigation; later features add entries here. Which entries show is cosmetic: every route checks on the server. */
export const NAV: Array<{ to: string; label: string; roles?: Principal["role"][] }> = [
  { to: "/dashboard", label: "Dashboard" },
  { to: "/centers", label: "Centers" },
  { to: "/capabilities", label: "Capabilities" },
  { to: "/awards", label: "Grants" },
  { to: "/deadlines", label: "Deadlines" },
  { to: "/compare", label: "Compare" },
  { to: "/reports", label: "Reports" },
  { to: "/import", label: "Import", roles: ["admin", "director"] },
  { to: "/admin/users", label: "Users", roles: ["admin"] },
  { to: "/admin/programs", label: "Programs", roles: ["admin"] },
  { to: "/audit", label: "Audit log", roles: ["admin", "auditor"] },
];

export function Layout({ children }: { children: React.ReactNode }) {
  const nonce = useNonce();
  const data = useRouteLoaderData<RootData>("root");
  const user = data?.user;
  const location = useLocation();
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        {data?.demo ? (
          <div className="demo-banner" role="note">
            Demo data — synthetic figures. No real fusion center's budget or assessment is shown.
          </div>
        ) : null}
        <header className="site-header">
          <a href="/" className="brand">
            Baseline
          </a>
          {user ? (
            // A disclosure, so the menu opens and closes without JavaScript; on wide screens app.css shows
            // its content without the summary (docs/decisions/016-responsive-layout.md). Keyed by the path
            // so that client-side navigation closes it.
            <details className="site-menu" key={location.pathname}>
              <summary>Menu</summary>
              <div className="site-menu-content">
                <nav aria-label="Main">
                  <ul>
                    {NAV.filter((n) => !n.roles || n.roles.includes(user.role)).map((n) => (
                      <li key={n.to}>
                        <NavLink to={n.to} prefetch="intent">
                          {n.label}
                        </NavLink>
                      </li>
                    ))}
                  </ul>
                </nav>
                <div className="user-box">
                  <span>
                    {user.displayName} · {ROLE_LABELS[user.role]}
                  </span>
                  <Form method="post" action="/logout">
                    <button type="submit" className="link-button">
                      Sign out
                    </button>
                  </Form>
                </div>
              </div>
            </details>
          ) : null}
        </header>
        <main id="main">{children}</main>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  useLoaderData<typeof loader>();
  return <Outlet />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  const data = useRouteLoaderData<RootData>("root");
  if (isRouteErrorResponse(error)) {
    const title =
      error.status === 404 ? "Page not found" : error.status === 403 ? "Not allowed" : error.status === 503 ? "Nothing was saved" : `Error ${error.status}`;
    return (
      <section className="error-page">
        <h1>{title}</h1>
        <p>{typeof error.data === "string" && error.data ? error.data : error.statusText}</p>
        <p>
          <a href="/">Go to the start page</a>
        </p>
      </section>
    );
  }
  return (
    <section className="error-page">
      <h1>Something went wrong</h1>
      <p>Nothing you entered was saved. Please try again; if it happens again, give this reference to your administrator.</p>
      <p>
        Reference: <code>{data?.requestId ?? new Date().toISOString()}</code>
      </p>
    </section>
  );
}
