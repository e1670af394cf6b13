// Preloaded into every benchmark process (`node --import ./bench/cpu-report.mjs ...`): at exit, prints the
// process's CPU time (all threads: getrusage) on stderr, so run.mjs can show CPU time / wall time.
process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  process.stderr.write(`\nweir-bench-cpu ${JSON.stringify({ seconds: (user + system) / 1e6 })}\n`);
});
