// Passes a TAP stream through and counts its assertions (subtest summaries, which carry "# time=", excepted),
// for the closing line "N passed, N failed, N skipped" that CI reads.
export function countTap(stream, out = process.stdout) {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  let rest = '';
  stream.on('data', (chunk) => {
    out.write(chunk);
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop();
    for (const line of lines) {
      const m = /^\s*(not )?ok \d+/.exec(line);
      if (!m || / # time=/.test(line)) continue;
      if (/# (SKIP|TODO)/i.test(line)) counts.skipped++;
      else if (m[1]) counts.failed++;
      else counts.passed++;
    }
  });
  return counts;
}

export function summary({ passed, failed, skipped }) {
  return `${passed} passed, ${failed} failed, ${skipped} skipped`;
}
