import { Kysely } from "kysely";

/**
 * Seeds the capability catalog and the grant programs. Frozen in time: later changes come
 * through new migrations or `cli catalog import`, never by editing this file.
 * Source for every title and figure: shared/reference/domain.md (sections cited inline).
 */

// §1.2 Baseline Capabilities (Sept 2008): two sections, twelve areas.
const BASELINE: Array<[string, string | null, string]> = [
  ["I", null, "Fusion Process Capabilities"],
  ["I.A", "I", "Planning and Requirements Development"],
  ["I.B", "I", "Information Gathering/Collection and Recognition of Indicators and Warnings"],
  ["I.C", "I", "Processing and Collation of Information"],
  ["I.D", "I", "Intelligence Analysis and Production"],
  ["I.E", "I", "Intelligence/Information Dissemination"],
  ["I.F", "I", "Reevaluation"],
  ["II", null, "Management and Administrative Capabilities"],
  ["II.A", "II", "Management/Governance"],
  ["II.B", "II", "Information Privacy Protections"],
  ["II.C", "II", "Security"],
  ["II.D", "II", "Personnel and Training"],
  [
    "II.E",
    "II",
    "Information Technology/Communications Infrastructure, Systems, Equipment, Facility, and Physical Infrastructure",
  ],
  ["II.F", "II", "Funding"],
];

// §2.1 Critical Operational Capabilities and Enabling Capabilities. COC 2–4 wording is unverified there.
const COC_EC: Array<[string, string, string]> = [
  ["COC-1", "Receive", "Receive classified and unclassified threat information from federal partners"],
  ["COC-2", "Analyze", "Assess the local implications of threat information (wording unverified)"],
  ["COC-3", "Disseminate", "Pass threat information to partners in the jurisdiction (wording unverified)"],
  ["COC-4", "Gather", "Gather locally generated information (tips, leads, SAR) and share it with federal partners (wording unverified)"],
  ["EC-1", "Privacy, Civil Rights and Civil Liberties Protections", "P/CRCL protections"],
  ["EC-2", "Sustainment Strategy", ""],
  ["EC-3", "Communications and Outreach", ""],
  ["EC-4", "Security", ""],
];

// §1.3 Fusion Center Guidelines (2006): eighteen guidelines.
const GUIDELINES: Array<[string, string]> = [
  ["NCISP and the intelligence process", "Follow the NCISP and carry out every step of the intelligence cycle"],
  ["Mission statement and goals", "Write a mission statement and goals with partners"],
  ["Governance", "Set up a governance body that represents the participants"],
  ["Collaboration", "Build an environment where agencies share information"],
  ["MOU / NDA", "Use memoranda of understanding or other agreements where needed"],
  ["Database resources", "Use the databases and systems participating agencies already have"],
  ["Interconnectivity", "Communicate through existing systems; use Global XML standards for new systems"],
  ["Privacy", "Write, publish and follow a privacy and civil-liberties policy"],
  ["Security", "Secure the facility, the data and the staff"],
  ["Facility, location, physical infrastructure", "Bring technology, systems and people together in one place"],
  ["Human resources", "Staff the center with a diverse mix of personnel"],
  ["Training", "Make sure personnel are properly trained"],
  ["Multidisciplinary awareness and education", "Run a tiered awareness and education program"],
  ["Intelligence services and products", "Provide a range of intelligence services and products"],
  ["Policies and procedures", "Write, publish and follow a policies-and-procedures manual"],
  ["Performance measurement and evaluation", "Set expectations, measure performance, judge effectiveness"],
  ["Funding", "Establish and sustain the center on available, sustainable funding (wording partly inferred)"],
  ["Communications", "Create and follow a communications plan (from the topic heading only)"],
];

// Baseline area → COC/EC. Reasoning in docs/decisions/002-capability-links.md.
const LINKS: Array<[string, string]> = [
  ["I.B", "COC-4"],
  ["I.C", "COC-1"],
  ["I.D", "COC-2"],
  ["I.E", "COC-3"],
  ["II.B", "EC-1"],
  ["II.C", "EC-4"],
  ["II.F", "EC-2"],
  ["II.A", "EC-3"],
];

const PRIVACY = new Set(["II.B", "EC-1", "FCG-8"]);

/*
 * Programs and their rule parameters (docs/domain.md §3):
 * - HSGP (SHSP, UASI): period of performance 36 months (§3.1 "Period of performance");
 *   M&A cap 5% (§3.1 "M&A cap", marked unverified there: an admin can change it);
 *   personnel cap 50% (§3.1 "Personnel cap", PRICE Act). Reports BSIR + SF-425 (§3.2, §3.5).
 * - JAG: period of performance 48 months (§3.3, unverified 4-year figure; editable). Reports SF-425 + PMT (§3.3).
 * - COPS: 25% local match, 5-year period in recent rounds (§3.4). Reports SF-425 + PMT.
 */
const PROGRAMS = [
  { code: "SHSP", name: "State Homeland Security Program (HSGP)", agency: "DHS", federal: 1, pop_months: 36, ma_cap_pct: 5, personnel_cap_pct: 50, match_pct: null, reports: "BSIR,SF-425,FINAL", sort_order: 1 },
  { code: "UASI", name: "Urban Area Security Initiative (HSGP)", agency: "DHS", federal: 1, pop_months: 36, ma_cap_pct: 5, personnel_cap_pct: 50, match_pct: null, reports: "BSIR,SF-425,FINAL", sort_order: 2 },
  { code: "JAG", name: "Edward Byrne Memorial Justice Assistance Grant", agency: "DOJ", federal: 1, pop_months: 48, ma_cap_pct: null, personnel_cap_pct: null, match_pct: null, reports: "SF-425,PMT,FINAL", sort_order: 3 },
  { code: "COPS", name: "COPS Hiring Program", agency: "DOJ", federal: 1, pop_months: 60, ma_cap_pct: null, personnel_cap_pct: null, match_pct: 25, reports: "SF-425,PMT,FINAL", sort_order: 4 },
  { code: "OTHER_FED", name: "Other federal funds", agency: "OTHER", federal: 1, pop_months: 36, ma_cap_pct: null, personnel_cap_pct: null, match_pct: null, reports: "SF-425,FINAL", sort_order: 5 },
  { code: "STATE", name: "State appropriation", agency: "STATE", federal: 0, pop_months: 12, ma_cap_pct: null, personnel_cap_pct: null, match_pct: null, reports: "", sort_order: 6 },
  { code: "LOCAL", name: "Local government funds", agency: "LOCAL", federal: 0, pop_months: 12, ma_cap_pct: null, personnel_cap_pct: null, match_pct: null, reports: "", sort_order: 7 },
];

export async function up(db: Kysely<any>): Promise<void> {
  await db
    .insertInto("frameworks")
    .values([
      { id: "baseline-2008", title: "Baseline Capabilities for State and Major Urban Area Fusion Centers (2008)", description: "Global/DHS, September 2008: two sections, twelve capability areas.", sort_order: 1 },
      { id: "coc-ec", title: "Critical Operational and Enabling Capabilities", description: "Four COCs and four ECs measured by the annual Fusion Center Assessment from 2011.", sort_order: 2 },
      { id: "guidelines-2006", title: "Fusion Center Guidelines (2006)", description: "The eighteen Global/DHS Fusion Center Guidelines.", sort_order: 3 },
    ])
    .execute();

  const caps: any[] = [];
  BASELINE.forEach(([id, parent, title], i) =>
    caps.push({ id, framework_id: "baseline-2008", parent_id: parent, title, description: "", privacy: PRIVACY.has(id) ? 1 : 0, sort_order: i }),
  );
  COC_EC.forEach(([id, title, description], i) =>
    caps.push({ id, framework_id: "coc-ec", parent_id: null, title, description, privacy: PRIVACY.has(id) ? 1 : 0, sort_order: i }),
  );
  GUIDELINES.forEach(([title, description], i) => {
    const id = `FCG-${i + 1}`;
    caps.push({ id, framework_id: "guidelines-2006", parent_id: null, title, description, privacy: PRIVACY.has(id) ? 1 : 0, sort_order: i });
  });
  await db.insertInto("capabilities").values(caps).execute();
  await db
    .insertInto("capability_links")
    .values(LINKS.map(([from_id, to_id]) => ({ from_id, to_id, note: "" })))
    .execute();
  await db.insertInto("programs").values(PROGRAMS).execute();
}

export async function down(): Promise<void> {
  throw new Error("forward-only");
}
