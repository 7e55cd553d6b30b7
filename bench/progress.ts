const began = performance.now();

/**
 * One line on stderr about where a section is, with the seconds since the bench began: the whole
 * run takes minutes, and a stalled step should be plain to see. The table itself goes to stdout.
 */
export function progress(section: string, message: string): void {
  process.stderr.write(`[${((performance.now() - began) / 1000).toFixed(0).padStart(4)} s] ${section}: ${message}\n`);
}
