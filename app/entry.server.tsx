import type { AppLoadContext, EntryContext, HandleErrorFunction } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { isRouteErrorResponse, RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";
import { renderChart, renderRows } from "./components/chart-memo.server";
import { NonceProvider } from "./components/nonce";
import { htmlBodyStream } from "./http/html-stream.server";
import { StaticChartContext } from "./components/StaticChart";
import { StaticRowsContext } from "./components/StaticRows";

const ABORT_DELAY = 5_000;

export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  const nonce = (loadContext as { nonce?: string })?.nonce;
  // Crawlers get the whole page at once; browsers get the shell as soon as it is ready.
  const waitForAll = isbot(request.headers.get("user-agent") ?? "");
  return new Promise((resolve, reject) => {
    let shellRendered = false;
    const respond = () => {
      shellRendered = true;
      const body = htmlBodyStream();
      responseHeaders.set("Content-Type", "text/html; charset=utf-8");
      resolve(new Response(createReadableStreamFromReadable(body), { headers: responseHeaders, status: responseStatusCode }));
      pipe(body);
    };
    const { pipe, abort } = renderToPipeableStream(
      <NonceProvider value={nonce}>
        <StaticChartContext.Provider value={renderChart}>
          <StaticRowsContext.Provider value={renderRows}>
            <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY} nonce={nonce} />
          </StaticRowsContext.Provider>
        </StaticChartContext.Provider>
      </NonceProvider>,
      {
        nonce,
        onShellReady() {
          if (!waitForAll) respond();
        },
        onAllReady() {
          clearTimeout(timer);
          if (waitForAll) respond();
        },
        onShellError(error: unknown) {
          clearTimeout(timer);
          reject(error);
        },
        onError(error: unknown) {
          responseStatusCode = 500;
          if (shellRendered) console.error(error);
        },
      },
    );
    // The abort timer must go as soon as the page is complete: a pending timer keeps the whole
    // render (tree, loader data, HTML) reachable for ABORT_DELAY, which at 100 pages a second held
    // ~100 MB of finished pages in memory. React starts rendering on the next turn
    // (setImmediate), so no callback above runs before this line.
    const timer = setTimeout(abort, ABORT_DELAY);
  });
}

/** Server errors are logged with the request's reference id, which the error page shows. */
export const handleError: HandleErrorFunction = (error, { request, context }) => {
  if (request.signal.aborted) return;
  // A 4xx Remix answers itself (a POST to a page without an action, say) is the client's mistake, not a server error.
  if (isRouteErrorResponse(error) && error.status < 500) return;
  const id = (context as { requestId?: string })?.requestId ?? "-";
  console.error(`[${id}] ${request.method} ${new URL(request.url).pathname}:`, error);
};
