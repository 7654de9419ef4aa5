export const STATEMENT_SPENDING_AI = [
  `DROP TRIGGER spending_ai ON spending`,
  `DROP FUNCTION spending_ai_fn()`,
  `CREATE FUNCTION spending_ai_fn() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN
     UPDATE budget_lines b SET spent_cents = b.spent_cents + n.cents
       FROM (SELECT budget_line_id, sum(amount_cents) AS cents FROM new_rows WHERE voided_at IS NULL GROUP BY budget_line_id) n
       WHERE b.id = n.budget_line_id;
     UPDATE awards a SET spent_cents = a.spent_cents + n.cents
       FROM (SELECT l.award_id, sum(r.amount_cents) AS cents FROM new_rows r JOIN budget_lines l ON l.id = r.budget_line_id WHERE r.voided_at IS NULL GROUP BY l.award_id) n
       WHERE a.id = n.award_id;
     RETURN NULL;
   END $fn$`,
  `CREATE TRIGGER spending_ai AFTER INSERT ON spending REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION spending_ai_fn()`,
];
