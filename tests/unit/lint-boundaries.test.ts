import { ESLint } from "eslint";
import path from "node:path";

// The layer rules of docs/decisions/020-layers.md are only worth having if they fail on a crossing.
const root = path.resolve(__dirname, "../..");
const eslint = new ESLint({ cwd: root });

async function restricted(file: string, code: string) {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result.messages.filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

describe("layer boundaries", () => {
  it("refuses a domain file that imports a model, the database or a session", async () => {
    expect(await restricted("app/domain/fixture.ts", `import { listAwards } from "../models/awards.server";\nexport const x = listAwards;\n`)).toHaveLength(1);
    expect(await restricted("app/domain/fixture.ts", `import { getDb } from "~/db.server";\nexport const x = getDb;\n`)).toHaveLength(1);
    expect(await restricted("app/domain/fixture.ts", `import { open } from "../../db/client";\nexport const x = open;\n`)).toHaveLength(1);
    expect(await restricted("app/domain/fixture.ts", `import { sql } from "kysely";\nexport const x = sql;\n`)).toHaveLength(1);
  });

  it("lets a domain file import other domain code", async () => {
    expect(await restricted("app/domain/fixture.ts", `import { parseMoney } from "./money";\nexport const x = parseMoney;\n`)).toEqual([]);
  });

  it("refuses a model that imports a route or a component, and a component that imports a model", async () => {
    expect(await restricted("app/models/fixture.server.ts", `import { loader } from "../routes/awards._index";\nexport const x = loader;\n`)).toHaveLength(1);
    expect(await restricted("app/components/Fixture.tsx", `import { listAwards } from "~/models/awards.server";\nexport const x = listAwards;\n`)).toHaveLength(1);
  });

  it("refuses a migration that imports the app", async () => {
    expect(await restricted("migrations/9999_fixture.ts", `import { parseMoney } from "../app/domain/money";\nexport const x = parseMoney;\n`)).toHaveLength(1);
  });
});

describe("no SQL outside the models", () => {
  const sqlErrors = async (file: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
    return result.messages.filter((m) => m.ruleId === "no-restricted-syntax");
  };
  it("refuses a query in a route or a CLI command, and allows it in a model", async () => {
    const query = `export const f = (db: any) => db.selectFrom("centers").selectAll().execute();\n`;
    expect(await sqlErrors("app/routes/fixture.tsx", query)).toHaveLength(1);
    expect(await sqlErrors("cli/commands/fixture.ts", query)).toHaveLength(1);
    expect(await sqlErrors("app/models/fixture.server.ts", query)).toEqual([]);
  });
});
