import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { handleApi } from "~/http/api/handle.server";

/**
 * The JSON API under /api/v1/ (docs/api.md): every endpoint is a row of app/http/api/endpoints.server.ts,
 * authenticated by a bearer token, never a cookie. tests/api/authorization.test.ts holds its cases.
 */
export const loader = ({ request, context }: LoaderFunctionArgs) => handleApi(request, context);
export const action = ({ request, context }: ActionFunctionArgs) => handleApi(request, context);
