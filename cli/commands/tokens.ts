import { createApiToken, listApiTokens, revokeApiToken } from "../../app/models/api-tokens.server";
import { findUserByUsername } from "../../app/models/users.server";
import { type Command, UsageError } from "../command";

/**
 * API tokens from the command line (docs/decisions/023-api-tokens.md). `tokens add` prints the
 * token alone on standard output, once, so a script can capture it: `TOKEN=$(npm run -s cli -- tokens add …)`.
 */
export const tokensAdd: Command = {
  name: "tokens add",
  summary: "Create an API token for a user; prints the token alone, once",
  usage: "tokens add --user NAME --name LABEL [--expires YYYY-MM-DD]",
  options: { user: { type: "string" }, name: { type: "string" }, expires: { type: "string" } },
  async run({ db, values, out }) {
    const username = values.user as string | undefined;
    const name = values.name as string | undefined;
    if (!username) throw new UsageError("--user is required");
    if (!name) throw new UsageError("--name is required (what the token is for, e.g. 'state financial system')");
    const user = await findUserByUsername(db, username);
    if (!user) throw new UsageError(`No user ${username}`);
    const created = await createApiToken(db, { userId: user.id, name, expiresOn: values.expires as string | undefined, actorId: null });
    if (!created.ok) throw new UsageError(created.error);
    out.write(`${created.token}\n`);
    return 0;
  },
};

export const tokensList: Command = {
  name: "tokens list",
  summary: "List API tokens (id, user, name, expiry, last use, revoked); never the tokens themselves",
  usage: "tokens list [--user NAME]",
  options: { user: { type: "string" } },
  async run({ db, values, out }) {
    let userId: number | undefined;
    if (values.user !== undefined) {
      const user = await findUserByUsername(db, String(values.user));
      if (!user) throw new UsageError(`No user ${values.user}`);
      userId = user.id;
    }
    const rows = await listApiTokens(db, { userId });
    out.write("id\tuser\tname\texpires\tlast_used\trevoked\n");
    for (const r of rows) out.write(`${r.id}\t${r.username}\t${r.name}\t${r.expiresAt}\t${r.lastUsedAt ?? "-"}\t${r.revokedAt ?? "-"}\n`);
    return 0;
  },
};

export const tokensRevoke: Command = {
  name: "tokens revoke",
  summary: "Revoke an API token by id (it stops working at once)",
  usage: "tokens revoke ID",
  positionals: 1,
  async run({ db, positionals, out, err }) {
    const id = Number(positionals[0]);
    if (!positionals[0] || !Number.isSafeInteger(id) || id < 1) throw new UsageError("Give the token's id (from `tokens list`)");
    if (!(await revokeApiToken(db, { id, actorId: null }))) {
      err.write(`No live token ${id}\n`);
      return 1;
    }
    out.write(`Revoked token ${id}\n`);
    return 0;
  },
};
