import type { Command } from "../command";
import { auditVerify } from "./audit";
import { backup, restore } from "./backup";
import { copyCommand } from "./copy";
import { deadlines } from "./deadlines";
import { findingsCommand } from "./findings";
import { exportCommand, importCommand } from "./import";
import { reconcileCommand } from "./reconcile";
import { scores } from "./scores";
import { tokensAdd, tokensList, tokensRevoke } from "./tokens";

/**
 * Commands added by features (scores, findings, import, export, deadlines, backup, audit …).
 * Each feature exports its Command from cli/commands/<feature>.ts and adds it here.
 */
export const extraCommands: Command[] = [auditVerify, backup, restore, copyCommand, deadlines, findingsCommand, scores, importCommand, exportCommand, reconcileCommand, tokensAdd, tokensList, tokensRevoke];
