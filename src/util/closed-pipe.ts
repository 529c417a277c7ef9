/**
 * A reader that stops reading (`dayshift schema | head -1`) closes the pipe under the next write. Node
 * ignores SIGPIPE, so that write fails with EPIPE and, unhandled, prints a stack trace. A shell tool
 * ends quietly instead: the reader has what it wanted, so this is not a failure (exit 0). Any other
 * error on the output streams is left to Node, which reports it.
 */
export function endQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
}
