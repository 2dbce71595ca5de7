// A vitest reporter that ends the run with one plain line, `N passed, N failed, N skipped`, which any
// tool reading the log can count on.
function count(tasks, totals) {
  for (const task of tasks) {
    if (task.type === 'test') {
      const state = task.result?.state;
      if (task.mode === 'skip' || task.mode === 'todo' || state === 'skip') totals.skipped++;
      else if (state === 'pass') totals.passed++;
      else totals.failed++;
    } else if (task.tasks) count(task.tasks, totals);
  }
}

export default class SummaryReporter {
  onFinished(files = [], errors = []) {
    const totals = { passed: 0, failed: 0, skipped: 0 };
    count(files, totals);
    const failed = totals.failed + errors.length;
    process.stdout.write(`\n${totals.passed} passed, ${failed} failed, ${totals.skipped} skipped\n`);
  }
}
