import fs from "node:fs";
import { parseDate } from "../../app/domain/dates";
import { loadDemo, DatabaseNotEmptyError } from "../../app/demo/load.server";
import { importCatalogCsv } from "../../app/models/catalog.server";
import { createUser, findUserByUsername } from "../../app/models/users.server";
import { schemaVersion } from "../../db/migrate";
import type { Scale } from "../../db/demo";
import { centerOption, type Command, intOption, UsageError } from "../command";
import { readSecret } from "../io";

export const migrate: Command = {
  name: "migrate",
  summary: "Create or upgrade the database schema (catalog and programs, no demo data)",
  usage: "migrate",
  async run({ db, out, opened }) {
    out.write(`Database ${opened.file} is at schema ${await schemaVersion(db)}\n`);
    return 0;
  },
};

export const demo: Command = {
  name: "demo",
  summary: "Load the synthetic demo data set into an empty database",
  usage: "demo [--scale small|national|double] [--seed N] [--as-of YYYY-MM-DD]",
  options: { scale: { type: "string" }, seed: { type: "string" }, "as-of": { type: "string" } },
  async run({ db, values, out, err }) {
    const scale = (values.scale as string | undefined) ?? "small";
    if (!["small", "national", "double"].includes(scale)) throw new UsageError("--scale must be small, national or double");
    const seed = intOption(values.seed, "seed", 0, 2 ** 31 - 1);
    let referenceDate: string | undefined;
    if (values["as-of"] !== undefined) {
      const d = parseDate(values["as-of"]);
      if (!d.ok) throw new UsageError(`--as-of: ${d.error}`);
      referenceDate = d.date;
    }
    try {
      const started = Date.now();
      const s = await loadDemo(db, { scale: scale as Scale, seed, referenceDate });
      out.write(
        `Loaded demo data (${scale}): ${s.centers} centers, ${s.awards} awards, ${s.budgetLines} budget lines, ` +
          `${s.spending} payments, ${s.assessments} assessment rows in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
      );
      return 0;
    } catch (error) {
      if (error instanceof DatabaseNotEmptyError) {
        err.write(`${error.message}\n`);
        return 1;
      }
      throw error;
    }
  },
};

export const catalogImport: Command = {
  name: "catalog import",
  summary: "Add or update capability catalog items from a CSV (framework,id,parent,title,description,privacy)",
  usage: "catalog import FILE.csv",
  positionals: 1,
  async run({ db, positionals, out, err }) {
    const file = positionals[0];
    if (!file) throw new UsageError("Name the CSV file to import");
    if (!fs.existsSync(file)) throw new UsageError(`No such file: ${file}`);
    const result = await importCatalogCsv(db, fs.readFileSync(file), { userId: null, fileName: file });
    if (!result.ok) {
      for (const e of result.errors) err.write(`row ${e.row}, column ${e.column}: ${e.message}\n`);
      err.write(`Nothing was imported (${result.errors.length} error${result.errors.length === 1 ? "" : "s"}).\n`);
      return 1;
    }
    out.write(`Catalog: ${result.added} added, ${result.changed} changed, ${result.unchanged} unchanged\n`);
    return 0;
  },
};

export const usersAdd: Command = {
  name: "users add",
  summary: "Create a user (password from a prompt, or from standard input when it is not a terminal)",
  usage: "users add --username U --role admin|director|auditor|state_official [--center CODE] [--states VA,MD] [--name 'Full Name']",
  options: {
    username: { type: "string" },
    role: { type: "string" },
    center: { type: "string" },
    states: { type: "string" },
    name: { type: "string" },
  },
  async run({ db, values, out, stdin }) {
    const username = values.username as string | undefined;
    const role = values.role as string | undefined;
    if (!username || !/^[a-z0-9._-]{3,40}$/i.test(username)) throw new UsageError("--username is required: 3–40 letters, digits, dot, dash or underscore");
    if (!role || !["admin", "director", "auditor", "state_official"].includes(role)) throw new UsageError("--role must be admin, director, auditor or state_official");
    let centerId: number | null = null;
    if (role === "director") {
      if (!values.center) throw new UsageError("A director needs --center CODE");
      centerId = (await centerOption(db, values.center))!;
    }
    const states = ((values.states as string | undefined) ?? "").split(",").map((s) => s.trim().toUpperCase()).filter(Boolean);
    if (role === "state_official" && states.length === 0) throw new UsageError("A state official needs --states, e.g. --states VA,MD");
    if (await findUserByUsername(db, username)) {
      throw new UsageError(`User ${username} already exists`);
    }
    const password = await readSecret(stdin, "Password: ");
    if (password.length < 12) throw new UsageError("The password must have at least 12 characters");
    await db.transaction().execute((trx) =>
      createUser(trx, null, { username, role: role as any, centerId, states, password, displayName: values.name as string | undefined }),
    );
    out.write(`Created ${role} ${username}\n`);
    return 0;
  },
};
