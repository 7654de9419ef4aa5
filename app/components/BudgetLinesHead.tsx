/** Column headings of a budget-lines table (the award page and the award report list lines alike). */
export function BudgetLinesHead() {
  return (
    <thead>
      <tr>
        <th scope="col">Line</th>
        <th scope="col">Capability</th>
        <th scope="col">POETE</th>
        <th scope="col">Category</th>
        <th scope="col">Description</th>
        <th scope="col" className="num">
          Budgeted
        </th>
        <th scope="col" className="num">
          Spent
        </th>
        <th scope="col" className="num">
          Remaining
        </th>
      </tr>
    </thead>
  );
}
