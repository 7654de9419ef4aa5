import { ALL, EVERYONE_SIGNED_IN, type RouteCase } from "../route-case";

/** Routes of the foundation: start page, sign-in, health check, centers and the catalog. */
export const cases: RouteCase[] = [
  { file: "_index.tsx", name: "start page sends signed-in users to the dashboard", method: "GET", path: "/", allowed: EVERYONE_SIGNED_IN },
  { file: "login.tsx", name: "sign-in page", method: "GET", path: "/login", allowed: ALL },
  {
    file: "login.tsx",
    name: "sign in",
    method: "POST",
    path: "/login",
    // Right credentials: wrong ones would count towards the lockout of a demo account.
    form: { username: "demo-auditor", password: "baseline-demo", redirectTo: "/centers" },
    allowed: ALL,
  },
  { file: "logout.tsx", name: "logout link", method: "GET", path: "/logout", allowed: ALL },
  { file: "logout.tsx", name: "sign out", method: "POST", path: "/logout", allowed: ALL, endsSession: true },
  { file: "healthz.ts", name: "health check is public", method: "GET", path: "/healthz", allowed: ALL },
  { file: "centers._index.tsx", name: "center list (scoped)", method: "GET", path: "/centers", allowed: EVERYONE_SIGNED_IN },
  { file: "centers.$code._index.tsx", name: "own center VA", method: "GET", path: "/centers/VA", allowed: EVERYONE_SIGNED_IN },
  // The VA director and VA state official read VA's state peers only; MD is another state.
  { file: "centers.$code._index.tsx", name: "other state's center MD", method: "GET", path: "/centers/MD", allowed: ["admin", "auditor"] },
  { file: "capabilities._index.tsx", name: "capability catalog", method: "GET", path: "/capabilities", allowed: EVERYONE_SIGNED_IN },
];
