import path from "node:path";
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServerBuild } from "@remix-run/node";
import { open, type OpenedDatabase } from "../../db/client";
import { setDb } from "../../app/db.server";
import { guardStorageErrors, storageErrorMessage, STORAGE_BUSY_MESSAGE, STORAGE_WRITE_MESSAGE, withFriendlyErrorPages } from "../../app/http/storage-errors.server";
import { guardUnreadableForms, UNREADABLE_FORM_MESSAGE } from "../../app/http/request-errors.server";
import { saveAssessments } from "../../app/models/assessments.server";
import { verifyAuditChain } from "../../app/models/audit.server";
import { cookieFor, request } from "../helpers/auth";
import { demoDatabase, fingerprintOf, tempDir } from "./harness";

/**
 * A full disk, simulated with PRAGMA max_page_count on the connection the app uses:
 * SQLite then refuses to grow the file exactly as on a full disk (SQLITE_FULL). The write is rolled
 * back whole, reads keep working, and the page says in plain words that nothing was saved.
 */

function sqliteError(code: string, message = "x"): Error {
  return Object.assign(new Error(message), { code, name: "SqliteError" });
}

describe("storageErrorMessage", () => {
  it("names full, read-only and failing storage in plain words, and leaves other errors alone", () => {
    for (const code of ["SQLITE_FULL", "SQLITE_READONLY", "SQLITE_READONLY_DBMOVED", "SQLITE_IOERR", "SQLITE_IOERR_WRITE", "SQLITE_CANTOPEN"]) {
      expect(storageErrorMessage(sqliteError(code))).toBe(STORAGE_WRITE_MESSAGE);
    }
    expect(storageErrorMessage(sqliteError("SQLITE_BUSY"))).toBe(STORAGE_BUSY_MESSAGE);
    expect(storageErrorMessage(sqliteError("SQLITE_CONSTRAINT_CHECK"))).toBeNull();
    expect(storageErrorMessage(new Error("SQLITE_FULL in the message only"))).toBeNull();
    expect(storageErrorMessage(null)).toBeNull();
    expect(storageErrorMessage("SQLITE_FULL")).toBeNull();
  });
});

describe("guardStorageErrors", () => {
  const args = { request: new Request("http://localhost/x", { method: "POST" }), params: {}, context: { requestId: "ab12cd34" } };

  it("turns a storage error into a 503 that carries the message and the reference id", async () => {
    const guarded = guardStorageErrors(async () => {
      throw sqliteError("SQLITE_FULL", "database or disk is full");
    });
    const thrown = await guarded(args).then(
      () => null,
      (e) => e,
    );
    expect(thrown).toBeInstanceOf(Response);
    expect(thrown.status).toBe(503);
    expect(thrown.headers.get("Retry-After")).toBe("30");
    expect(await thrown.text()).toBe(`${STORAGE_WRITE_MESSAGE} Reference: ab12cd34.`);
  });

  it("passes results, thrown Responses and other errors through untouched", async () => {
    expect(await guardStorageErrors(async () => ({ ok: 1 }))(args)).toEqual({ ok: 1 });
    const notFound = new Response("No such award", { status: 404 });
    await expect(guardStorageErrors(async () => Promise.reject(notFound))(args)).rejects.toBe(notFound);
    const bug = new TypeError("a bug");
    await expect(guardStorageErrors(async () => Promise.reject(bug))(args)).rejects.toBe(bug);
  });

  it("withFriendlyErrorPages wraps every loader and action and keeps the rest of each route module", async () => {
    const Component = () => null;
    const build = {
      routes: {
        root: { id: "root", path: "", module: { default: Component, loader: async () => Promise.reject(sqliteError("SQLITE_IOERR_READ")) } },
        "routes/x": { id: "routes/x", parentId: "root", path: "x", module: { default: Component, action: async () => "saved" } },
      },
    } as unknown as ServerBuild;
    const wrapped = withFriendlyErrorPages(build);
    expect(wrapped.routes["routes/x"].module.default).toBe(Component);
    expect(wrapped.routes["routes/x"].module.loader).toBeUndefined();
    expect(await (wrapped.routes["routes/x"].module.action as any)(args)).toBe("saved");
    const thrown = await (wrapped.routes.root.module.loader as any)(args).catch((e: unknown) => e);
    expect((thrown as Response).status).toBe(503);
    // The original build is left as it was.
    expect(build.routes["routes/x"].module.action).not.toBe(wrapped.routes["routes/x"].module.action);
  });
});

describe("guardUnreadableForms", () => {
  const post = (type: string, body: string) => ({
    request: new Request("http://localhost/x", { method: "POST", headers: { "Content-Type": type }, body }),
    params: {},
    context: {},
  });
  const readsForm = guardUnreadableForms(async ({ request }) => Object.fromEntries(await request.formData()));

  it("answers a body that is not a readable form with 400 and a plain sentence", async () => {
    for (const [type, body] of [
      ["multipart/form-data; boundary=X", '--X\r\nContent-Disposition: form-data; name="a"\r\n\r\nv'],
      ["application/json", '{"a":1}'],
      ["text/plain", "a=1"],
    ]) {
      const thrown = await readsForm(post(type, body)).catch((e: unknown) => e);
      expect(thrown).toBeInstanceOf(Response);
      expect((thrown as Response).status).toBe(400);
      expect(await (thrown as Response).text()).toBe(UNREADABLE_FORM_MESSAGE);
    }
  });

  it("leaves readable forms and the action's own errors alone", async () => {
    expect(await readsForm(post("application/x-www-form-urlencoded", "a=1&b=%C3%A9"))).toEqual({ a: "1", b: "é" });
    const bug = guardUnreadableForms(async () => {
      throw new TypeError("a bug in the action");
    });
    await expect(bug(post("application/x-www-form-urlencoded", "a=1"))).rejects.toThrow("a bug in the action");
  });
});

describe("disk full during a bulk assessment save (PRAGMA max_page_count)", () => {
  let dir: string;
  let opened: OpenedDatabase;
  let centerId: number;

  beforeAll(async () => {
    dir = tempDir();
    const file = await demoDatabase(path.join(dir, "full.sqlite"));
    opened = open(file);
    setDb(opened.db);
    centerId = (await opened.db.selectFrom("centers").select("id").where("code", "=", "VA").executeTakeFirstOrThrow()).id;
  });

  afterAll(async () => {
    setDb(undefined);
    await opened.db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Packs the file (no free pages left) and caps it at its current size: the next page needed fails. */
  function fillTheDisk() {
    opened.sqlite.exec("VACUUM");
    const pages = opened.sqlite.pragma("page_count", { simple: true }) as number;
    opened.sqlite.pragma(`max_page_count = ${pages}`);
    return pages;
  }

  function freeTheDisk() {
    opened.sqlite.pragma("max_page_count = 4294967294");
  }

  async function bulkRows(evidence: string) {
    const rows = await opened.db.selectFrom("assessments").selectAll().where("center_id", "=", centerId).where("fiscal_year", "=", 2025).orderBy("capability_id").execute();
    return rows.map((r, index) => ({ index, capabilityId: r.capability_id, status: r.status, evidence, estCostCents: r.est_cost_cents, version: r.version }));
  }

  it("rolls the whole save back: not one row, not one audit entry, and the file stays sound", async () => {
    const rows = await bulkRows("E".repeat(3900));
    expect(rows.length).toBeGreaterThanOrEqual(10);
    const user = await opened.db.selectFrom("users").select("id").where("username", "=", "demo-director").executeTakeFirstOrThrow();
    const before = fingerprintOf(opened.sqlite, new Set());
    fillTheDisk();
    try {
      const error = await saveAssessments(opened.db, { centerId, fiscalYear: 2025, userId: user.id, rows }).then(
        () => null,
        (e) => e,
      );
      expect(error?.code).toBe("SQLITE_FULL");
      expect(storageErrorMessage(error)).toBe(STORAGE_WRITE_MESSAGE);
      expect(fingerprintOf(opened.sqlite, new Set())).toBe(before);
      // Reads keep working while the disk is full.
      expect((await opened.db.selectFrom("assessments").select("id").where("center_id", "=", centerId).execute()).length).toBeGreaterThan(0);
    } finally {
      freeTheDisk();
    }
    expect(opened.sqlite.pragma("integrity_check", { simple: true })).toBe("ok");
    expect((await verifyAuditChain(opened.db)).ok).toBe(true);
    // With room again, the very same save goes through.
    const saved = await saveAssessments(opened.db, { centerId, fiscalYear: 2025, userId: user.id, rows });
    expect(saved.ok).toBe(true);
  });

  it("the assessment page answers the post with 503 and the plain message, and still shows the page", async () => {
    const route = await import("../../app/routes/centers.$code.assessments.$fy");
    const cookie = await cookieFor(opened.db, "demo-director");
    const rows = await bulkRows("F".repeat(3900));
    const form = new URLSearchParams({ intent: "save" });
    rows.forEach((r, i) => {
      form.set(`rows[${i}].capabilityId`, r.capabilityId);
      form.set(`rows[${i}].status`, r.status);
      form.set(`rows[${i}].evidence`, r.evidence);
      form.set(`rows[${i}].estCost`, "");
      form.set(`rows[${i}].version`, String(r.version));
    });
    const params = { code: "VA", fy: "2025" };
    const before = fingerprintOf(opened.sqlite, new Set());
    fillTheDisk();
    try {
      const action = guardStorageErrors(route.action as any);
      const thrown = await action({ request: request("/centers/VA/assessments/2025", { cookie, form }), params, context: { requestId: "f00dcafe" } }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(thrown).toBeInstanceOf(Response);
      expect((thrown as Response).status).toBe(503);
      expect(await (thrown as Response).text()).toBe(`${STORAGE_WRITE_MESSAGE} Reference: f00dcafe.`);
      expect(fingerprintOf(opened.sqlite, new Set())).toBe(before);
      const page = await guardStorageErrors(route.loader as any)({ request: request("/centers/VA/assessments/2025", { cookie }), params, context: {} });
      expect((page as { page: { rows: unknown[] } }).page.rows.length).toBe(rows.length);
    } finally {
      freeTheDisk();
    }
  });
});
