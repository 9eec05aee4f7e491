// Entry point of the `dangan` command line: builds the program and runs it.
import { runCli } from './program.ts';

process.exitCode = await runCli(process.argv.slice(2));
