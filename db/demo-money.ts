/**
 * The demo's money as it really flows (docs/decisions/018, docs/decisions/019): run after the main
 * generator, with its own seeded sequence so every figure the main pass draws stays the same.
 *
 * - Each state's HSGP is one prime award held by its State Administrative Agency, funding SHSP (the
 *   state center) and UASI (its urban-area centers): a state with several centers shares one prime.
 *   The prime is larger than its sub-awards (the rest went to other subrecipients).
 * - JAG both ways: states at even positions pass it through a prime; the others' centers hold it directly.
 * - Every center carries a UEI; a few payments are refunds (negative, spent stays above zero).
 * - A USAspending sub-award snapshot covering a few primes gives every reconciliation status; its
 *   download lists one sub-award twice (amended), and only the latest action date is stored, as the
 *   import does (app/domain/reconcile.ts latestPerSubaward).
 */
import type Sqlite from "better-sqlite3";
import { latestPerSubaward } from "../app/domain/reconcile";

export interface DemoMoneySummary {
  primeAwards: number;
  subAwards: number;
  refunds: number;
  refundCents: number;
  usaspendingRows: number;
}

interface Rng {
  next(): number;
  int(lo: number, hi: number): number;
}

interface SubRow {
  id: number;
  award_number: string;
  program_code: string;
  fiscal_year: number;
  amount_cents: number;
  pop_start: string;
  pop_end: string;
  code: string;
  state: string;
}

const UEI_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"; // SAM UEIs avoid I and O

export function addDemoMoney(
  sqlite: Sqlite.Database,
  r: Rng,
  stateNames: ReadonlyMap<string, string>,
  opts: { lastYear: number; now: string; referenceDate: string; avoidAwards: ReadonlySet<string>; avoidCenters: ReadonlySet<string> },
): DemoMoneySummary {
  const out: DemoMoneySummary = { primeAwards: 0, subAwards: 0, refunds: 0, refundCents: 0, usaspendingRows: 0 };
  const stateOrder = [...stateNames.keys()];

  // Centers' UEIs: 12 characters, distinct.
  const centers = sqlite.prepare("select id, code from centers order by id").all() as Array<{ id: number; code: string }>;
  const setUei = sqlite.prepare("update centers set uei = ? where id = ?");
  const used = new Set<string>();
  const ueiOf = new Map<string, string>();
  const newUei = () => {
    for (;;) {
      let u = "";
      // Never starting with 0 (app/domain/subawards.ts parseUei).
      for (let i = 0; i < 12; i++) u += UEI_CHARS[r.int(0, i === 0 ? 23 : UEI_CHARS.length - 1)];
      if (!used.has(u)) {
        used.add(u);
        return u;
      }
    }
  };
  for (const c of centers) {
    const u = newUei();
    setUei.run(u, c.id);
    ueiOf.set(c.code, u);
  }

  // Primes and their sub-awards.
  const subs = sqlite
    .prepare(
      `select a.id, a.award_number, a.program_code, a.fiscal_year, a.amount_cents, a.pop_start, a.pop_end, c.code, c.state
         from awards a join centers c on c.id = a.center_id
        where a.program_code in ('SHSP', 'UASI', 'JAG') order by a.id`,
    )
    .all() as SubRow[];
  const groups = new Map<string, SubRow[]>();
  for (const s of subs) {
    const hsgp = s.program_code !== "JAG";
    if (!hsgp && stateOrder.indexOf(s.state) % 2 === 1) continue; // JAG held directly by the center's agency
    const k = `${hsgp ? "HSGP" : "JAG"}|${s.state}|${s.fiscal_year}`;
    const g = groups.get(k) ?? [];
    g.push(s);
    groups.set(k, g);
  }
  const insPrime = sqlite.prepare(
    `insert into prime_awards (award_number, recipient, state, fiscal_year, amount_cents, pop_start, pop_end, assistance_listing, created_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insProgram = sqlite.prepare("insert into prime_award_programs (prime_award_id, program_code) values (?, ?)");
  const link = sqlite.prepare("update awards set prime_award_id = ?, pass_through = ? where id = ?");
  const primes: Array<{ number: string; subs: SubRow[] }> = [];
  for (const [k, g] of groups) {
    const [kind, state, fyText] = k.split("|");
    const fy = Number(fyText);
    const stateIndex = stateOrder.indexOf(state) + 1;
    const hsgp = kind === "HSGP";
    const number = hsgp ? `EMW-${fy}-SS-9${String(stateIndex).padStart(4, "0")}` : `15PBJA-${String(fy).slice(2)}-GG-9${String(stateIndex).padStart(4, "0")}-JAGX`;
    const recipient = hsgp ? `${stateNames.get(state)} State Administrative Agency` : `${stateNames.get(state)} Office of Criminal Justice Programs`;
    const total = g.reduce((s, a) => s + a.amount_cents, 0);
    // 20–60% more than the centers' shares, in whole thousands: the rest went to other subrecipients.
    const amount = Math.ceil((total * (1.2 + r.next() * 0.4)) / 1_000_00) * 1_000_00;
    const popStart = g.reduce((m, a) => (a.pop_start < m ? a.pop_start : m), g[0].pop_start);
    const popEnd = g.reduce((m, a) => (a.pop_end > m ? a.pop_end : m), g[0].pop_end);
    const id = Number(insPrime.run(number, recipient, state, fy, amount, popStart, popEnd, hsgp ? "97.067" : "16.738", opts.now).lastInsertRowid);
    for (const p of new Set(g.map((a) => a.program_code))) insProgram.run(id, p);
    for (const a of g) link.run(id, recipient, a.id);
    out.primeAwards++;
    out.subAwards += g.length;
    primes.push({ number, subs: g });
  }

  // Refunds: a vendor credit on the last payment date of a few lines (spent stays positive).
  const refundLines = sqlite
    .prepare(
      `select l.id, l.spent_cents, max(s.date) as last, a.award_number, c.code
         from budget_lines l join awards a on a.id = l.award_id join centers c on c.id = a.center_id
         join spending s on s.budget_line_id = l.id
        where a.fiscal_year = ? and c.code in ('VA', 'TX', 'CA', 'TX-HOU') and l.spent_cents >= 10000_00 and l.cost_category <> 'ma'
        group by l.id order by c.code, l.id`,
    )
    .all(opts.lastYear - 1) as Array<{ id: number; spent_cents: number; last: string; award_number: string; code: string }>;
  const insSpend = sqlite.prepare("insert into spending (spend_id, budget_line_id, date, amount_cents, description, created_at) values (?, ?, ?, ?, ?, ?)");
  const refunded = new Set<string>();
  for (const l of refundLines) {
    if (refunded.has(l.code) || opts.avoidAwards.has(l.award_number) || opts.avoidCenters.has(l.code)) continue;
    refunded.add(l.code);
    const cents = -Math.min(2_500_00, Math.floor(l.spent_cents / 4));
    insSpend.run(`SP-R${String(out.refunds + 1).padStart(4, "0")}`, l.id, l.last, cents, "Vendor credit (refund)", opts.now);
    out.refunds++;
    out.refundCents += cents;
  }

  // USAspending snapshot: the prime of the director's state and TX for the year before last, and a JAG
  // prime with a share under the reporting threshold.
  const year = opts.lastYear - 1;
  const covered = primes.filter((p) => p.subs[0].fiscal_year === year && p.subs[0].program_code !== "JAG" && (p.subs[0].state === "VA" || p.subs[0].state === "TX"));
  const small = primes.find((p) => p.subs[0].program_code === "JAG" && p.subs.some((s) => s.amount_cents < 30_000_00) && p.subs.some((s) => s.amount_cents >= 30_000_00));
  if (small) covered.push(small);
  type Row = { primeFain: string; subawardNumber: string; actionDate: string; amountCents: number; uei: string; name: string; state: string };
  const rows: Row[] = [];
  let differs = false;
  let missing = false;
  let twice = false;
  for (const p of covered) {
    for (const s of p.subs) {
      if (s.amount_cents < 30_000_00) continue; // not reported (below the threshold)
      const row: Row = { primeFain: p.number, subawardNumber: s.award_number, actionDate: s.pop_start, amountCents: s.amount_cents, uei: ueiOf.get(s.code)!, name: s.code, state: s.state };
      if (!missing && s.code !== "VA" && p.subs.length > 1 && s.program_code !== "JAG") {
        missing = true; // missing_in_usaspending: the SAA has not reported it yet
        continue;
      }
      if (!differs && s.code !== "VA") {
        differs = true; // amount_differs: USAspending still shows the amount before an amendment
        row.amountCents -= 12_500_00;
      } else if (!twice) {
        twice = true; // listed twice: the later action date (the current amount) stands
        rows.push({ ...row, actionDate: s.pop_start, amountCents: s.amount_cents - 40_000_00 });
        row.actionDate = fromIso(s.pop_start, 120);
      }
      rows.push(row);
    }
    // A sub-award to a county (not a center: not reconciled) and, on the first prime, one to a
    // center that Baseline does not have (missing_in_baseline).
    rows.push({ primeFain: p.number, subawardNumber: `${p.number}-CTY-01`, actionDate: p.subs[0].pop_start, amountCents: 85_000_00, uei: newUei(), name: "county", state: p.subs[0].state });
    if (p === covered[0]) {
      const code = p.subs.find((s) => s.code !== "VA")?.code ?? p.subs[0].code;
      rows.push({ primeFain: p.number, subawardNumber: `${p.number}-SUP-02`, actionDate: fromIso(p.subs[0].pop_start, 200), amountCents: 64_000_00, uei: ueiOf.get(code)!, name: code, state: p.subs[0].state });
    }
  }
  const primeBy = new Map(primes.map((p) => [p.number, p]));
  const amountOf = sqlite.prepare("select amount_cents, pop_start, pop_end, recipient from prime_awards where award_number = ?");
  const insUsa = sqlite.prepare(
    `insert into usaspending_subawards (prime_award_fain, prime_award_amount_cents, prime_awardee_name, prime_award_cfda, prime_pop_start, prime_pop_end,
       subaward_number, subaward_amount_cents, subaward_action_date, subawardee_uei, subawardee_name, subaward_description, usaspending_permalink)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const u of latestPerSubaward(rows)) {
    const p = amountOf.get(u.primeFain) as { amount_cents: number; pop_start: string; pop_end: string; recipient: string };
    const jag = primeBy.get(u.primeFain)?.subs[0].program_code === "JAG";
    const name = u.name === "county" ? `${u.state} County Sheriff's Office` : `${u.name} fusion center agency`;
    insUsa.run(
      u.primeFain,
      p.amount_cents,
      p.recipient.toUpperCase(),
      jag ? "16.738: Edward Byrne Memorial Justice Assistance Grant Program" : "97.067: Homeland Security Grant Program",
      p.pop_start,
      p.pop_end,
      u.subawardNumber,
      u.amountCents,
      u.actionDate,
      u.uei,
      name.toUpperCase(),
      jag ? "Justice assistance: intelligence analysis" : "Fusion center operations",
      `https://www.usaspending.gov/award/ASST_NON_${u.primeFain}`,
    );
    out.usaspendingRows++;
  }
  return out;
}

function fromIso(date: string, days: number) {
  const d = new Date(Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10)) + days * 86_400_000);
  return d.toISOString().slice(0, 10);
}
