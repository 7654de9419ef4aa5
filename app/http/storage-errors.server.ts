import type { ServerBuild } from "@remix-run/node";
import { guardUnreadableForms } from "./request-errors.server";
import { isBusyError, isStorageWriteError } from "../../db/errors";

/**
 * When the disk is full, the file read-only or the device failing, SQLite refuses the write and
 * rolls the transaction back. The user should read that in plain words, not "Unexpected Server
 * Error". server.ts wraps every loader and action of the build with `withFriendlyErrorPages`.
 */
export const STORAGE_WRITE_MESSAGE = "The database cannot be written right now (disk full or read-only). Nothing was saved.";
export const STORAGE_BUSY_MESSAGE = "The database is busy right now. Nothing was saved; please try again in a moment.";

/** The sentence for a SQLite storage error (by its code), or null for any other error. */
export function storageErrorMessage(error: unknown): string | null {
  if (isStorageWriteError(error)) return STORAGE_WRITE_MESSAGE;
  if (isBusyError(error)) return STORAGE_BUSY_MESSAGE;
  return null;
}

type HandlerArgs = { request: Request; context: unknown; params: unknown };
type Handler = (args: HandlerArgs) => unknown;

/** Turns a storage error thrown by a loader or action into a 503 whose text the error page shows. */
export function guardStorageErrors<R>(fn: (args: HandlerArgs) => R): (args: HandlerArgs) => Promise<Awaited<R>> {
  return async (args: HandlerArgs): Promise<Awaited<R>> => {
    try {
      return await fn(args);
    } catch (error) {
      const message = storageErrorMessage(error);
      if (!message) throw error;
      const id = (args.context as { requestId?: string } | undefined)?.requestId ?? "-";
      const code = (error as { code: string }).code;
      console.error(`[${id}] ${args.request.method} ${new URL(args.request.url).pathname}: ${code}: ${(error as Error).message}`);
      throw new Response(`${message} Reference: ${id}.`, {
        status: 503,
        headers: { "Content-Type": "text/plain; charset=utf-8", "Retry-After": "30" },
      });
    }
  };
}

/**
 * A copy of the build whose route loaders and actions answer storage errors with a clear 503, and
 * whose actions answer an unreadable form body with a 400 (app/http/request-errors.server.ts).
 */
export function withFriendlyErrorPages(build: ServerBuild): ServerBuild {
  const routes: ServerBuild["routes"] = {};
  for (const [id, route] of Object.entries(build.routes)) {
    const { loader, action } = route.module;
    routes[id] = {
      ...route,
      module: {
        ...route.module,
        loader: loader ? guardStorageErrors(loader as unknown as Handler) : undefined,
        action: action ? guardStorageErrors(guardUnreadableForms(action as unknown as Handler)) : undefined,
      } as typeof route.module,
    };
  }
  return { ...build, routes };
}
