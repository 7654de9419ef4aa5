import type { Command } from "../command";

/**
 * Commands added by features (scores, findings, import, export, deadlines, backup, audit …).
 * Each feature exports its Command from cli/commands/<feature>.ts and adds it here.
 */
export const extraCommands: Command[] = [];
