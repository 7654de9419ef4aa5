import { EVERYONE_SIGNED_IN, type RouteCase } from "../route-case";

/**
 * The import page (admins and center directors), its job and example routes, and the
 * export downloads (everyone signed in, limited to the centers they may read).
 */
const IMPORTERS: RouteCase["allowed"] = ["admin", "director"];

export const cases: RouteCase[] = [
  { file: "import.tsx", name: "upload page", method: "GET", path: "/import", allowed: IMPORTERS },
  // A form without a file is answered 400 ("Choose a CSV or XLSX file"): nothing runs, nothing is written.
  { file: "import.tsx", name: "upload without a file", method: "POST", path: "/import", form: { type: "awards" }, allowed: IMPORTERS },
  {
    file: "import.tsx",
    name: "confirm an unknown upload",
    method: "POST",
    path: "/import",
    form: { intent: "confirm", token: "no-such-upload-token" },
    allowed: IMPORTERS,
  },
  { file: "import.jobs.$id.ts", name: "job progress (unknown job)", method: "GET", path: "/import/jobs/no-such-job", allowed: IMPORTERS },
  { file: "import.examples.$type.ts", name: "example file", method: "GET", path: "/import/examples/awards.csv", allowed: EVERYONE_SIGNED_IN },
  { file: "import.examples.$type.ts", name: "example XLSX", method: "GET", path: "/import/examples/spending.xlsx", allowed: EVERYONE_SIGNED_IN },
  { file: "export.$type[.]csv.ts", name: "awards export (scoped)", method: "GET", path: "/export/awards.csv", allowed: EVERYONE_SIGNED_IN },
  { file: "export.$type[.]csv.ts", name: "spending of VA, FY2024", method: "GET", path: "/export/spending.csv?center=VA&fy=2024", allowed: EVERYONE_SIGNED_IN },
  // The VA director and VA state official read VA's state only.
  { file: "export.$type[.]csv.ts", name: "budget lines of MD", method: "GET", path: "/export/budget_lines.csv?center=MD", allowed: ["admin", "auditor"] },
];
