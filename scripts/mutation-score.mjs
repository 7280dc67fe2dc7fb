#!/usr/bin/env node
// Reads Stryker's JSON report and prints the mutation score per engine folder as a Markdown table (the README's
// table is pasted from this). Score = detected / (detected + undetected), as Stryker defines it: killed and
// timed-out mutants are detected; survived and uncovered ones are not. Compile errors and ignored ones don't count.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.tmp/mutation/mutation.json';
const report = JSON.parse(readFileSync(file, 'utf8'));
const folders = new Map();
for (const [path, f] of Object.entries(report.files)) {
  const m = /src\/engine\/([^/]+)\//.exec(path);
  const key = m ? m[1] : 'src/engine (top)';
  const row = folders.get(key) ?? { killed: 0, survived: 0, noCoverage: 0, timeout: 0 };
  for (const mu of f.mutants) {
    if (mu.status === 'Killed') row.killed++;
    else if (mu.status === 'Timeout') row.timeout++;
    else if (mu.status === 'Survived') row.survived++;
    else if (mu.status === 'NoCoverage') row.noCoverage++;
  }
  folders.set(key, row);
}
const pct = (r) => {
  const det = r.killed + r.timeout;
  const all = det + r.survived + r.noCoverage;
  return all ? ((100 * det) / all).toFixed(1) : '–';
};
const total = { killed: 0, survived: 0, noCoverage: 0, timeout: 0 };
console.log('| folder | killed | timed out | survived | no coverage | score |');
console.log('|---|---|---|---|---|---|');
for (const [k, r] of [...folders].sort()) {
  for (const x of Object.keys(total)) total[x] += r[x];
  console.log(`| ${k} | ${r.killed} | ${r.timeout} | ${r.survived} | ${r.noCoverage} | ${pct(r)}% |`);
}
console.log(`| **all** | ${total.killed} | ${total.timeout} | ${total.survived} | ${total.noCoverage} | **${pct(total)}%** |`);
