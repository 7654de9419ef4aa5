import { ALL, type RouteCase } from "../route-case";

/**
 * The API's reference page, public like /api/v1/openapi.json. The API itself (api.v1.$.ts) answers
 * tokens, not sessions: its cases are in tests/api/cases.ts.
 */
export const cases: RouteCase[] = [{ file: "api.v1.docs.tsx", name: "API reference", method: "GET", path: "/api/v1/docs", allowed: ALL }];
