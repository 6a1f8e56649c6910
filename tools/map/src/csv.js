// CSV for spreadsheets: RFC 4180 quoting, and text a spreadsheet would run as a formula
// (starting with = + - @, a tab or a carriage return) gets a leading apostrophe.

const FORMULA = /^[=+\-@\t\r]/;

export function csvCell(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  let text = String(value);
  if (FORMULA.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

// Rows of cells to CSV text, with a byte-order mark so spreadsheets read it as UTF-8.
export function figuresCsv(rows) {
  return `\ufeff${rows.map((r) => r.map(csvCell).join(",")).join("\r\n")}\r\n`;
}
